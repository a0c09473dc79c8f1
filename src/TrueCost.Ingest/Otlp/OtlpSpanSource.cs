using System.Text.Json;
using TrueCost.Contracts.Otlp;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ingest.RequestLogs;
using TrueCost.Ledger.RequestLogs;

namespace TrueCost.Ingest.Otlp;

/// <summary>
/// The OpenTelemetry Collector's span topic (<c>otlp_spans</c>): each message is an OTLP
/// <c>ExportTraceServiceRequest</c> whose GenAI spans become request-log records, stored as the native
/// request-log topic's are (same dedupe kind: a span is identified by <c>traceid:spanid</c>). A span that
/// cannot be decoded or mapped is dead-lettered alone with its own bytes; spans that are not model calls
/// are counted as ignored. A record's content (for telling a resent span from a different one) is the record
/// it became, so the same span sent once as protobuf and once as JSON is one record.
/// </summary>
public sealed class OtlpSpanSource(TimeProvider clock, IngestOptions options) : IIngestSource<RequestLogRecord>
{
    private readonly GenAiSpanMapper _mapper = new(options.Otlp.Spans, clock);
    private readonly OtlpEncoding _encoding = options.Otlp.WireEncoding;

    public string Topic { get; } = options.TopicFor(options.Otlp.SpansTopic);

    public short Kind => 1;

    public void Read(byte[] message, List<SourceRecord<RequestLogRecord>> into)
    {
        IReadOnlyList<OtlpSpanEntry> entries;
        try
        {
            entries = OtlpTraceReader.Read(message, _encoding);
        }
        catch (OtlpFormatException e)
        {
            into.Add(SourceRecord<RequestLogRecord>.Refuse($"not an OTLP trace export: {e.Message}", message));
            return;
        }

        if (entries.Count == 0)
        {
            into.Add(LooksLikeOtherJson(message)
                ? SourceRecord<RequestLogRecord>.Refuse("not an OTLP trace export: a JSON object without resourceSpans (a native request log on the OTLP topic?)", message)
                : SourceRecord<RequestLogRecord>.Ignore("OTLP trace export without spans"));
        }

        foreach (var entry in entries)
        {
            into.Add(Map(entry));
        }
    }

    public string RecordId(RequestLogRecord record) => record.RequestId;

    public IEnumerable<StreamEvent> ToEvents(SourceRange range, IReadOnlyList<RequestLogRecord> records) =>
        [new(range.StreamKey, new RequestsRecorded(range.Topic, range.Partition, range.First, range.Last, [.. records.Select(RequestLogSource.ToRecorded)]))];

    /// <summary>
    /// proto3 JSON readers skip unknown fields, so any JSON object reads as an empty export; one that names
    /// fields but no <c>resourceSpans</c> was meant for another topic, and is refused rather than skipped.
    /// </summary>
    public static bool LooksLikeOtherJson(ReadOnlySpan<byte> message)
    {
        var span = message.Trim(" \t\r\n"u8);
        return span.Length > 2 && span[0] == (byte)'{'
            && span.IndexOf("\"resourceSpans\""u8) < 0 && span.IndexOf("\"resource_spans\""u8) < 0;
    }

    private SourceRecord<RequestLogRecord> Map(OtlpSpanEntry entry)
    {
        if (entry.Span is not { } span)
        {
            return SourceRecord<RequestLogRecord>.Refuse(entry.Error ?? "span cannot be read", entry.Content);
        }

        var mapped = _mapper.Map(span);
        switch (mapped.Outcome)
        {
            case SpanMappingOutcome.NotGenAi:
                return SourceRecord<RequestLogRecord>.Ignore(mapped.Reason!);
            case SpanMappingOutcome.Refused:
                return SourceRecord<RequestLogRecord>.Refuse(mapped.Reason!, entry.Content);
        }

        var content = JsonSerializer.SerializeToUtf8Bytes(mapped.Record!, WireJson.Options);
        return StorableText.NulCharacterIn(content) is { } unstorable
            ? SourceRecord<RequestLogRecord>.Refuse($"span {span.TraceId}:{span.SpanId}: {unstorable}", entry.Content)
            : SourceRecord<RequestLogRecord>.Accept(mapped.Record!, content);
    }
}
