using TrueCost.Contracts;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.RequestLogs;

namespace TrueCost.Ingest.RequestLogs;

public sealed class RequestLogSource(TimeProvider clock, IngestOptions options) : IIngestSource<RequestLogRecord>
{
    public string Topic { get; } = options.TopicFor(Topics.RequestLogs);

    public short Kind => 1;

    public IRecordParser<RequestLogRecord> Parser { get; } = new RequestLogParser(clock);

    public void Read(byte[] message, List<SourceRecord<RequestLogRecord>> into) => OneRecordPerMessage.Read(Parser, message, into);

    public string RecordId(RequestLogRecord record) => record.RequestId;

    public IEnumerable<StreamEvent> ToEvents(SourceRange range, IReadOnlyList<RequestLogRecord> records) =>
        [new(range.StreamKey, new RequestsRecorded(range.Topic, range.Partition, range.First, range.Last, [.. records.Select(ToRecorded)]))];

    public static RecordedRequest ToRecorded(RequestLogRecord r) => new(
        r.RequestId, r.Timestamp, r.Route, r.Tenant, r.Provider, r.Model, r.ServingMode, r.GpuPool,
        r.TrafficClass, r.Status, r.Attempt, r.RetryOf, r.InputTokensWithCache, r.OutputTokens, r.CacheReadTokens,
        r.LatencyMs, r.TimeToFirstTokenMs, r.RequestBytes, r.ResponseBytes, r.ResponseModel, r.CacheCreationTokens, r.ReasoningTokens, r.ReportedCost);
}
