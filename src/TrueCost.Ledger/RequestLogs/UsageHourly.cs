using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.Time;

namespace TrueCost.Ledger.RequestLogs;

/// <summary>The identity of one usage_hourly row: hour × route × tenant × model × traffic class × serving.</summary>
public readonly record struct UsageKey(
    DateTimeOffset Hour,
    string Route,
    string Tenant,
    string Provider,
    string Model,
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
    public long RetryTokens { get; set; }
    public double LatencyMsSum { get; set; }
    public double TtftMsSum { get; set; }
    public long RequestBytes { get; set; }
    public long ResponseBytes { get; set; }
    public decimal ApiCost { get; set; }
    public long UnpricedRequests { get; set; }
}

/// <summary>Pure aggregation of recorded requests into hourly usage, priced from the catalogue.</summary>
public static class UsageHourly
{
    public const string Currency = "USD";

    public static Dictionary<UsageKey, UsageTotals> Aggregate(IEnumerable<RecordedRequest> requests, PriceCatalogue prices)
    {
        var rows = new Dictionary<UsageKey, UsageTotals>();
        foreach (var r in requests)
        {
            var key = new UsageKey(UtcHour.Floor(r.Timestamp), r.Route, r.Tenant, r.Provider, r.Model, r.TrafficClass, r.ServingMode, r.GpuPool ?? string.Empty);
            if (!rows.TryGetValue(key, out var t))
            {
                t = new UsageTotals();
                rows.Add(key, t);
            }

            Add(t, r, prices);
        }

        return rows;
    }

    private static void Add(UsageTotals t, RecordedRequest r, PriceCatalogue prices)
    {
        t.Requests++;
        t.Errors += r.Status == RequestStatuses.Error ? 1 : 0;
        t.Timeouts += r.Status == RequestStatuses.Timeout ? 1 : 0;
        t.InputTokens += r.InputTokens;
        t.OutputTokens += r.OutputTokens;
        t.CachedInputTokens += r.CachedInputTokens;
        if (r.Attempt > 1)
        {
            t.Retries++;
            t.RetryTokens += r.InputTokens + r.OutputTokens;
        }

        t.LatencyMsSum += r.LatencyMs;
        t.TtftMsSum += r.TimeToFirstTokenMs ?? 0;
        t.RequestBytes += r.RequestBytes;
        t.ResponseBytes += r.ResponseBytes;
        if (r.ServingMode != ServingModes.Api)
        {
            return;
        }

        var price = prices.Find(r.Provider, r.Model, r.Timestamp);
        if (price is null || price.Currency != Currency)
        {
            t.UnpricedRequests++;
            return;
        }

        t.ApiCost += price.Cost(new TokenCounts(r.InputTokens, r.CachedInputTokens, 0, r.OutputTokens, 0));
    }
}
