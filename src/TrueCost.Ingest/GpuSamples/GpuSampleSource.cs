using System.Globalization;
using TrueCost.Contracts;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.GpuSamples;

namespace TrueCost.Ingest.GpuSamples;

public sealed class GpuSampleSource(TimeProvider clock, IngestOptions options) : IIngestSource<GpuSampleRecord>
{
    public string Topic { get; } = options.TopicFor(Topics.GpuSamples);

    public short Kind => 2;

    public IRecordParser<GpuSampleRecord> Parser { get; } = new GpuSampleParser(clock);

    public void Read(byte[] message, List<SourceRecord<GpuSampleRecord>> into) => OneRecordPerMessage.Read(Parser, message, into);

    /// <summary>A GPU reports once per instant, so GPU and timestamp identify a sample.</summary>
    public string RecordId(GpuSampleRecord record) =>
        record.GpuUuid + "@" + record.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public IEnumerable<StreamEvent> ToEvents(SourceRange range, IReadOnlyList<GpuSampleRecord> records) =>
        [new(range.StreamKey, new GpuSamplesRecorded(range.Topic, range.Partition, range.First, range.Last, [.. records.Select(ToRecorded)]))];

    public static RecordedGpuSample ToRecorded(GpuSampleRecord r) => new(
        r.Timestamp, r.IntervalSeconds, r.Pool, r.Node, r.GpuUuid, r.GpuClass, r.GpuUtilPercent, r.FramebufferUsedMiB,
        r.FramebufferFreeMiB, r.PowerWatts, r.RequestsRunning, r.RequestsWaiting, r.KvCacheUsage, r.PromptTokens, r.GenerationTokens);
}
