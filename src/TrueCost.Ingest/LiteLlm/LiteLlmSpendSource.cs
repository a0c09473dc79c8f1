using System.Text.Json;
using TrueCost.Contracts.LiteLlm;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ingest.RequestLogs;
using TrueCost.Ledger.RequestLogs;

namespace TrueCost.Ingest.LiteLlm;

/// <summary>
/// LiteLLM's spend topic (<c>litellm_spend_logs</c> unless configured): each message is one standard logging
/// payload, mapped to a request-log record and stored as the native request-log topic's are (same dedupe kind:
/// a call is identified by LiteLLM's id). A payload the mapper refuses is dead-lettered with its own bytes and
/// the reason. A record's content (for telling a resent payload from a different one) is the record it became,
/// so a payload logged twice with different message text but the same call is one record.
/// </summary>
public sealed class LiteLlmSpendSource(TimeProvider clock, IngestOptions options) : IIngestSource<RequestLogRecord>
{
    private readonly StandardLoggingPayloadMapper _mapper = new(options.LiteLlm, clock);

    public string Topic { get; } = options.TopicFor(options.LiteLlm.Topic);

    public short Kind => 1;

    public void Read(byte[] message, List<SourceRecord<RequestLogRecord>> into)
    {
        var mapped = _mapper.Map(message);
        if (!mapped.IsValid)
        {
            into.Add(SourceRecord<RequestLogRecord>.Refuse(mapped.Error!, message));
            return;
        }

        var content = JsonSerializer.SerializeToUtf8Bytes(mapped.Record!, WireJson.Options);
        into.Add(StorableText.NulCharacterIn(content) is { } unstorable
            ? SourceRecord<RequestLogRecord>.Refuse($"LiteLLM payload '{mapped.Record!.RequestId}': {unstorable}", message)
            : SourceRecord<RequestLogRecord>.Accept(mapped.Record!, content));
    }

    public string RecordId(RequestLogRecord record) => record.RequestId;

    public IEnumerable<StreamEvent> ToEvents(SourceRange range, IReadOnlyList<RequestLogRecord> records) =>
        [new(range.StreamKey, new RequestsRecorded(range.Topic, range.Partition, range.First, range.Last, [.. records.Select(RequestLogSource.ToRecorded)]))];
}
