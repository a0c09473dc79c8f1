using TrueCost.Ledger.Allocation;
using TrueCost.Reporting.Restatements;

namespace TrueCost.Reporting.Weekly;

/// <summary>
/// The weekly FinOps report of one ISO week, computed and ready to render. Every amount is in
/// <see cref="Currency"/>, the ledger's currency; <see cref="Previous"/> is the week before, for the change.
/// <see cref="Restatement"/> is set when the report is re-issued to replace an earlier one of the same week;
/// <see cref="Governance"/> when the builder has a governance source (budgets, anomalies, forecasts).
/// </summary>
public sealed record WeeklyReport(
    IsoWeek Week,
    string Currency,
    DateTimeOffset GeneratedAt,
    BucketAmounts Totals,
    BucketAmounts Previous,
    IReadOnlyList<DayCost> Days,
    IReadOnlyList<KeyCost> TopRoutes,
    IReadOnlyList<KeyCost> TopTenants,
    IReadOnlyList<KeyCost> TopModels,
    WeekOverWeek Change,
    IReadOnlyList<UnitCost> UnitCosts,
    IReadOnlyList<PoolUtilization> Pools,
    IReadOnlyList<PoolHour> PoolHours,
    IReadOnlyList<ReportFinding> Findings,
    ReportRestatement? Restatement = null,
    WeeklyGovernance? Governance = null);

/// <summary>
/// Money per cost bucket. <see cref="Idle"/> is the part of <see cref="DirectInference"/> that paid for
/// unused GPU capacity, so <see cref="Total"/> is the sum of the five buckets without it.
/// </summary>
public sealed record BucketAmounts(decimal DirectInference, decimal PlatformOverhead, decimal Observability, decimal Engineering, decimal Incident, decimal Idle)
{
    public static readonly BucketAmounts Zero = new(0, 0, 0, 0, 0, 0);

    public decimal Total => DirectInference + PlatformOverhead + Observability + Engineering + Incident;

    /// <summary>The five buckets in ledger order, named as in cost_hourly.</summary>
    public IReadOnlyList<(string Bucket, decimal Amount)> Five =>
    [
        (CostBuckets.DirectInference, DirectInference),
        (CostBuckets.PlatformOverhead, PlatformOverhead),
        (CostBuckets.Observability, Observability),
        (CostBuckets.Engineering, Engineering),
        (CostBuckets.Incident, Incident),
    ];
}

public sealed record DayCost(DateOnly Day, BucketAmounts Amounts);

/// <summary>One route, tenant or model: this week's buckets, last week's total and its share of this week.</summary>
public sealed record KeyCost(string Key, BucketAmounts Amounts, decimal PreviousTotal, decimal ShareOfWeek)
{
    public decimal Delta => Amounts.Total - PreviousTotal;
}

/// <summary>The change against the previous week and the keys that moved it most.</summary>
public sealed record WeekOverWeek(decimal Previous, decimal Current, IReadOnlyList<ChangeDriver> Drivers)
{
    public decimal Delta => Current - Previous;

    /// <summary>Relative change; none when the previous week cost nothing.</summary>
    public decimal? Percent => Previous == 0 ? null : Math.Round(100m * Delta / Previous, 1, MidpointRounding.AwayFromZero);
}

/// <summary>How much one bucket, route, tenant or model moved; <see cref="ShareOfChange"/> is its part of the total delta.</summary>
public sealed record ChangeDriver(string Dimension, string Key, decimal Previous, decimal Current, decimal? ShareOfChange)
{
    public decimal Delta => Current - Previous;
}

/// <summary>Fully loaded and direct cost per million tokens of one route and traffic class; none without tokens.</summary>
public sealed record UnitCost(string Route, string TrafficClass, long Requests, long Tokens, decimal Cost, decimal DirectCost)
{
    public decimal? CostPerMillionTokens => PerMillion(Cost);

    public decimal? DirectPerMillionTokens => PerMillion(DirectCost);

    private decimal? PerMillion(decimal amount) => Tokens == 0 ? null : Math.Round(amount * 1_000_000m / Tokens, 4, MidpointRounding.AwayFromZero);
}

/// <summary>A GPU pool over the week: capacity, utilization, what it cost and how much of that paid for idle GPUs.</summary>
public sealed record PoolUtilization(string Pool, string GpuClass, double GpuHours, double? UtilMean, double? UtilPeak, decimal Cost, decimal IdleCost);

/// <summary>One pool-hour; <see cref="UtilMean"/> (percent) is unknown when no GPU reported in the hour.</summary>
public sealed record PoolHour(DateTimeOffset Hour, string Pool, string GpuClass, double GpuSeconds, double? BusyShare, double? UtilMean, double? UtilPeak, decimal Cost, decimal IdleCost);

/// <summary>An open breakeven, rightsizing or incident finding, with the money at stake per month and its evidence.</summary>
public sealed record ReportFinding(string Kind, string Subject, string Summary, decimal MonthlyAmountAtStake, string Currency, IReadOnlyDictionary<string, string> Evidence);
