using TrueCost.Ledger.Time;

namespace TrueCost.Ledger.GpuSamples;

public readonly record struct GpuHourKey(DateTimeOffset Hour, string Pool, string GpuUuid);

/// <summary>Per GPU and hour; sums add across batches, peaks take the maximum.</summary>
public sealed class GpuHourTotals
{
    public string GpuClass { get; set; } = string.Empty;
    public string Node { get; set; } = string.Empty;
    public long Samples { get; set; }
    public double GpuSeconds { get; set; }
    public double BusyGpuSeconds { get; set; }
    public double UtilPeak { get; set; }
    public double KvCachePeak { get; set; }
    public double WaitingPeak { get; set; }
    public double WaitingSeconds { get; set; }
    public double RunningSeconds { get; set; }
    public double FramebufferUsedPeakMiB { get; set; }
    public double EnergyWh { get; set; }
    public long PromptTokens { get; set; }
    public long GenerationTokens { get; set; }
}

/// <summary>Pure aggregation of GPU samples into per-GPU hours.</summary>
public static class GpuHourly
{
    public static Dictionary<GpuHourKey, GpuHourTotals> Aggregate(IEnumerable<RecordedGpuSample> samples)
    {
        var rows = new Dictionary<GpuHourKey, GpuHourTotals>();
        foreach (var s in samples)
        {
            var key = new GpuHourKey(UtcHour.Floor(s.Timestamp), s.Pool, s.GpuUuid);
            if (!rows.TryGetValue(key, out var t))
            {
                t = new GpuHourTotals { GpuClass = s.GpuClass, Node = s.Node };
                rows.Add(key, t);
            }

            t.Samples++;
            t.GpuSeconds += s.IntervalSeconds;
            t.BusyGpuSeconds += s.IntervalSeconds * s.UtilPercent / 100.0;
            t.UtilPeak = Math.Max(t.UtilPeak, s.UtilPercent);
            t.KvCachePeak = Math.Max(t.KvCachePeak, s.KvCacheUsage);
            t.WaitingPeak = Math.Max(t.WaitingPeak, s.RequestsWaiting);
            t.WaitingSeconds += s.RequestsWaiting * s.IntervalSeconds;
            t.RunningSeconds += s.RequestsRunning * s.IntervalSeconds;
            t.FramebufferUsedPeakMiB = Math.Max(t.FramebufferUsedPeakMiB, s.FramebufferUsedMiB);
            t.EnergyWh += s.PowerWatts * s.IntervalSeconds / 3600.0;
            t.PromptTokens += s.PromptTokens;
            t.GenerationTokens += s.GenerationTokens;
        }

        return rows;
    }
}
