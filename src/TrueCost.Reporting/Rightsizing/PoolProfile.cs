using TrueCost.Reporting.Breakeven;

namespace TrueCost.Reporting.Rightsizing;

/// <summary>
/// One hour of a GPU pool as the gpu_pool_hourly view has it, plus what the pool cost in that hour
/// (its direct-inference invoice lines in cost_line_hourly). BusyShare is null when no GPU reported.
/// </summary>
public sealed record PoolHour(
    DateTimeOffset Hour,
    int Gpus,
    double GpuSeconds,
    double MissingGpuSeconds,
    double? BusyShare,
    double? UtilPeak,
    double? KvCachePeak,
    double? QueueDepthPeak,
    double? QueueDepthMean,
    long Tokens,
    decimal Cost)
{
    public double BusyGpuSeconds => (BusyShare ?? 0) * GpuSeconds;
}

/// <summary>Tokens the pool's users sent and the part of them that were retries (from usage_hourly).</summary>
public sealed record RetryUsage(long Tokens, long RetryTokens)
{
    public static readonly RetryUsage None = new(0, 0);

    public double Share => Tokens == 0 ? 0 : (double)RetryTokens / Tokens;
}

/// <summary>
/// A GPU pool over the observed period: its class, the size class of the models it serves (null
/// when unknown), the currency its cost is in, its hours and its retry usage.
/// </summary>
public sealed record PoolProfile(string Pool, string GpuClass, string? ModelSizeClass, string Currency, IReadOnlyList<PoolHour> Hours, RetryUsage Retries);

/// <summary>Thresholds of the rightsizing rules; bound from configuration "Reporting:Findings:Rightsizing".</summary>
public sealed record RightsizingOptions
{
    /// <summary>Busy share a right-sized pool is planned to run at in its busy hours.</summary>
    public double TargetUtilization { get; init; } = 0.70;

    /// <summary>Peak-hour over mean-hour busy time above which warm capacity for the peak is mostly idle.</summary>
    public double BurstPeakToAverage { get; init; } = 3.0;

    /// <summary>An hour of the day (UTC) whose mean busy share is below this is off-hours idle.</summary>
    public double OffHoursBusyShare { get; init; } = 0.15;

    /// <summary>Fewer off-hours than this per day are not worth a schedule.</summary>
    public int MinimumOffHours { get; init; } = 3;

    /// <summary>vLLM KV-cache usage above this risks preemption and out-of-memory failures.</summary>
    public double KvCachePressure { get; init; } = 0.90;

    /// <summary>Share of tokens spent on retries above which retry waste is reported.</summary>
    public double RetryWasteShare { get; init; } = 0.05;

    /// <summary>Another GPU class must save at least this share of the right-sized cost to be worth a migration.</summary>
    public double MinimumClassSavingsShare { get; init; } = 0.10;

    public void Validate()
    {
        if (TargetUtilization is <= 0 or > 1 || BurstPeakToAverage <= 1 || OffHoursBusyShare is < 0 or >= 1 || MinimumOffHours is < 1 or > 24 ||
            KvCachePressure is <= 0 or > 1 || RetryWasteShare is < 0 or >= 1 || MinimumClassSavingsShare is < 0 or >= 1)
        {
            throw new ArgumentException(
                $"rightsizing thresholds out of range: target utilization {TargetUtilization} (0,1], burst ratio {BurstPeakToAverage} > 1, off-hours share {OffHoursBusyShare} [0,1), " +
                $"minimum off-hours {MinimumOffHours} 1..24, KV-cache {KvCachePressure} (0,1], retry share {RetryWasteShare} [0,1), class savings {MinimumClassSavingsShare} [0,1)");
        }
    }
}

/// <summary>A gpu_pool_hourly row with the pool it belongs to.</summary>
public sealed record PoolHourRow(string Pool, string GpuClass, PoolHour Hour);

/// <summary>Assembles pool profiles from the ledger's rows. Pure.</summary>
public static class PoolProfiles
{
    /// <summary>
    /// One profile per pool. Its size class is the largest among the self-hosted models it served
    /// (a replica must fit the largest), its retry usage the self-hosted usage routed to it.
    /// </summary>
    public static IReadOnlyList<PoolProfile> Build(IEnumerable<PoolHourRow> rows, IEnumerable<RouteUsageHour> usage, Func<string, string?> sizeClassOf, string currency)
    {
        var served = usage.Where(u => u.ServingMode == "self_hosted" && u.Pool.Length > 0).GroupBy(u => u.Pool).ToDictionary(g => g.Key, g => g.ToList());
        return
        [
            .. rows.GroupBy(r => r.Pool).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
            {
                var users = served.GetValueOrDefault(g.Key) ?? [];
                var sizes = users.Select(u => sizeClassOf(u.Model)).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
                var size = sizes.Contains(GpuCatalogue.Large) ? GpuCatalogue.Large : sizes.Order(StringComparer.Ordinal).FirstOrDefault();
                var retries = new RetryUsage(users.Sum(u => u.Tokens), users.Sum(u => u.RetryTokens));
                var gpuClass = g.GroupBy(r => r.GpuClass).OrderByDescending(c => c.Count()).First().Key;
                return new PoolProfile(g.Key, gpuClass, size, currency, [.. g.Select(r => r.Hour)], retries);
            }),
        ];
    }
}
