using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Time;

namespace TrueCost.Ledger.RequestLogs;

/// <summary>
/// The identity of one usage_hourly row: hour × route × tenant × provider × model × request model × traffic
/// class × serving. <see cref="Model"/> is the billed model (<see cref="RecordedRequest.BilledModel"/>).
/// </summary>
public readonly record struct UsageKey(
    DateTimeOffset Hour,
    string Route,
    string Tenant,
    string Provider,
    string Model,
    string RequestModel,
    string TrafficClass,
    string ServingMode,
    string GpuPool);

/// <summary>Additive usage figures for one <see cref="UsageKey"/>; every field sums across batches.</summary>
public sealed class UsageTotals
{
    public long Requests { get; set; }
    public long Errors { get; set; }
    public long Timeouts { get; set; }
    public long Retries { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CachedInputTokens { get; set; }
    public long CacheCreationTokens { get; set; }
    public long ReasoningTokens { get; set; }
    public long RetryTokens { get; set; }
    public double LatencyMsSum { get; set; }
    public double TtftMsSum { get; set; }
    public long RequestBytes { get; set; }
    public long ResponseBytes { get; set; }

    /// <summary>Sum of the producers' own costs in USD; null while no request reported one (never a silent zero).</summary>
    public decimal? ReportedCost { get; set; }
}

/// <summary>
/// Pure aggregation of recorded requests into hourly usage. Tokens are kept by class and not priced
/// here: the allocator prices each hour with the configured catalogue, so a price change is a
/// re-allocation, not a rebuild.
/// </summary>
public static class UsageHourly
{
    public static Dictionary<UsageKey, UsageTotals> Aggregate(IEnumerable<RecordedRequest> requests)
    {
        var rows = new Dictionary<UsageKey, UsageTotals>();
        foreach (var r in requests)
        {
            var key = new UsageKey(UtcHour.Floor(r.Timestamp), r.Route, r.Tenant, r.Provider, r.BilledModel, r.Model, r.TrafficClass, r.ServingMode, r.GpuPool ?? string.Empty);
            if (!rows.TryGetValue(key, out var t))
            {
                t = new UsageTotals();
                rows.Add(key, t);
            }

            Add(t, r);
        }

        return rows;
    }

    private static void Add(UsageTotals t, RecordedRequest r)
    {
        t.Requests++;
        t.Errors += r.Status == RequestStatuses.Error ? 1 : 0;
        t.Timeouts += r.Status == RequestStatuses.Timeout ? 1 : 0;
        t.InputTokens += r.InputTokens;
        t.OutputTokens += r.OutputTokens;
        t.CachedInputTokens += r.CachedInputTokens;
        t.CacheCreationTokens += r.CacheCreationTokens;
        t.ReasoningTokens += r.ReasoningTokens;
        if (r.Attempt > 1)
        {
            t.Retries++;
            t.RetryTokens += r.InputTokens + r.OutputTokens;
        }

        t.LatencyMsSum += r.LatencyMs;
        t.TtftMsSum += r.TimeToFirstTokenMs ?? 0;
        t.RequestBytes += r.RequestBytes;
        t.ResponseBytes += r.ResponseBytes;
        if (r.ReportedCost is { } reported)
        {
            t.ReportedCost = (t.ReportedCost ?? 0m) + reported;
        }
    }
}
