namespace TrueCost.Ledger.GpuSamples;

/// <summary>A batch of GPU utilization samples accepted from one Kafka partition, offsets [FirstOffset, LastOffset].</summary>
public sealed record GpuSamplesRecorded(
    string Topic,
    int Partition,
    long FirstOffset,
    long LastOffset,
    IReadOnlyList<RecordedGpuSample> Samples);

/// <summary>
/// What TrueCost keeps of one GPU over one scrape interval. The sample stands for
/// [Timestamp, Timestamp + IntervalSeconds) and is counted in the hour its timestamp falls in.
/// </summary>
public sealed record RecordedGpuSample(
    DateTimeOffset Timestamp,
    double IntervalSeconds,
    string Pool,
    string Node,
    string GpuUuid,
    string GpuClass,
    double UtilPercent,
    double FramebufferUsedMiB,
    double FramebufferFreeMiB,
    double PowerWatts,
    double RequestsRunning,
    double RequestsWaiting,
    double KvCacheUsage,
    long PromptTokens,
    long GenerationTokens);
