using System.Runtime.CompilerServices;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Contracts.Metrics;
using TrueCost.Contracts.Otlp;
using TrueCost.Ingest.GpuSamples;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.Ingest.Otlp;

/// <summary>
/// The OpenTelemetry Collector's metric topic (<c>otlp_metrics</c>): each message is an OTLP
/// <c>ExportMetricsServiceRequest</c> whose DCGM exporter and vLLM points become GPU samples, stored as the
/// native GPU-sample topic's are (same dedupe kind: GPU and instant). The mapper is stateful (a sample's
/// interval is the time since its GPU's previous point, token counts are counter increases), so what a message
/// became is remembered while the message is held: a batch that is retried after a failed store reads the
/// same samples again instead of finding their instants already mapped. After a restart a GPU's first
/// sample takes the configured default interval and its counters start again from their next increase.
/// vLLM points are joined to DCGM points of the same node within one message (the Collector's batch).
/// </summary>
public sealed class OtlpMetricSource(TimeProvider clock, IngestOptions options) : IIngestSource<GpuSampleRecord>
{
    private readonly GpuMetricMapper _mapper = new(options.Otlp.Metrics, clock);
    private readonly OtlpEncoding _encoding = options.Otlp.WireEncoding;
    private readonly ConditionalWeakTable<byte[], SourceRecord<GpuSampleRecord>[]> _read = [];
    private readonly Lock _gate = new();
    private readonly GpuSampleSource _native = new(clock, options);

    public string Topic { get; } = options.TopicFor(options.Otlp.MetricsTopic);

    public short Kind => 2;

    public void Read(byte[] message, List<SourceRecord<GpuSampleRecord>> into)
    {
        lock (_gate)
        {
            into.AddRange(_read.GetValue(message, MapMessage));
        }
    }

    public string RecordId(GpuSampleRecord record) => _native.RecordId(record);

    public IEnumerable<StreamEvent> ToEvents(SourceRange range, IReadOnlyList<GpuSampleRecord> records) =>
        _native.ToEvents(range, records);

    private SourceRecord<GpuSampleRecord>[] MapMessage(byte[] message)
    {
        IReadOnlyList<MetricPointEntry> entries;
        try
        {
            entries = OtlpMetricsReader.Read(message, _encoding);
        }
        catch (OtlpFormatException e)
        {
            return [SourceRecord<GpuSampleRecord>.Refuse($"not an OTLP metrics export: {e.Message}", message)];
        }

        var read = new List<SourceRecord<GpuSampleRecord>>();
        var points = new List<MetricPoint>(entries.Count);
        foreach (var entry in entries)
        {
            if (entry.Point is { } point)
            {
                points.Add(point);
            }
            else
            {
                read.Add(SourceRecord<GpuSampleRecord>.Refuse(entry.Error ?? "metric point cannot be read", entry.Content));
            }
        }

        var mapped = _mapper.Map(points);
        read.AddRange(mapped.Refusals.Select(r => SourceRecord<GpuSampleRecord>.Refuse(r.Reason, r.Content)));
        read.AddRange(mapped.Ignored.SelectMany(i => Enumerable.Repeat(SourceRecord<GpuSampleRecord>.Ignore(i.Key), i.Value)));
        read.AddRange(mapped.Samples.Select(s => SourceRecord<GpuSampleRecord>.Accept(s, GpuSampleProducer.Serialize(s))));
        return [.. read];
    }
}
