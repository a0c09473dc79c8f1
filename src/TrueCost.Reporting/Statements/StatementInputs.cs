namespace TrueCost.Reporting.Statements;

/// <summary>The five buckets and the idle part of direct inference, in the ledger's currency.</summary>
public sealed record BucketAmounts(decimal DirectInference, decimal PlatformOverhead, decimal Observability, decimal Engineering, decimal Incident, decimal Idle)
{
    public static readonly BucketAmounts Zero = new(0, 0, 0, 0, 0, 0);

    public decimal Total => DirectInference + PlatformOverhead + Observability + Engineering + Incident;

    public BucketAmounts Plus(BucketAmounts o) =>
        new(DirectInference + o.DirectInference, PlatformOverhead + o.PlatformOverhead, Observability + o.Observability, Engineering + o.Engineering, Incident + o.Incident, Idle + o.Idle);
}

/// <summary>One tenant's cost_hourly rows of a UTC day summed by route and model, with its API usage that had no list price.</summary>
public sealed record DayCost(DateOnly Day, string Route, string Model, BucketAmounts Amounts, long UnpricedRequests, long UnpricedTokens);

/// <summary>One tenant's priced_usage of a UTC day by route, model and serving path.</summary>
public sealed record DayUsage(DateOnly Day, string Route, string Model, string ServingMode, string Provider, string Pool, long Requests, long Tokens, long UnpricedRequests, long UnpricedTokens);

/// <summary>
/// What a tenant's statement for a month is made of, as loaded from the ledger: its cost rows by day, its usage by
/// serving path, the drivers the month's invoice lines were split by (per bucket, names only), the hours the allocator
/// could not allocate, and cost_hourly's own sums for the tenant and month, which the statement must equal to the cent.
/// </summary>
public sealed record StatementInputs(
    string Tenant,
    StatementMonth Month,
    string Currency,
    IReadOnlyList<DayCost> Costs,
    IReadOnlyList<DayUsage> Usage,
    IReadOnlyDictionary<string, IReadOnlyList<string>> DriversByBucket,
    IReadOnlyList<DateTimeOffset> QuarantinedHours,
    BucketAmounts LedgerTotals);
