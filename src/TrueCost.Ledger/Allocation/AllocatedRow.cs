namespace TrueCost.Ledger.Allocation;

/// <summary>
/// One row of cost_hourly. <see cref="Idle"/> is the part of <see cref="DirectInference"/> that paid for
/// unused GPU capacity; <see cref="Total"/> is the sum of the five buckets. <see cref="UnpricedRequests"/> and
/// <see cref="UnpricedTokens"/> count the key's API usage that had no list price in the hour.
/// </summary>
public sealed record AllocatedRow(
    DateTimeOffset Hour,
    string Route,
    string Tenant,
    string Model,
    string TrafficClass,
    string Currency,
    decimal DirectInference,
    decimal PlatformOverhead,
    decimal Observability,
    decimal Engineering,
    decimal Incident,
    decimal Idle,
    long UnpricedRequests = 0,
    long UnpricedTokens = 0)
{
    public decimal Total => DirectInference + PlatformOverhead + Observability + Engineering + Incident;
}

/// <summary>Where one source's money went: the trail from an event-backed input to the buckets.</summary>
public sealed record SourceAllocation(string Source, string Bucket, decimal Amount, string Rule);

/// <summary>The rows of one hour, the exact input total they conserve, and each source's trail.</summary>
public sealed record HourAllocation(DateTimeOffset Hour, decimal InputTotal, IReadOnlyList<AllocatedRow> Rows, IReadOnlyList<SourceAllocation> Sources)
{
    public decimal AllocatedTotal => Rows.Sum(r => r.Total);
}

/// <summary>Labels of the rows that hold money no ordinary key can carry.</summary>
public static class SpecialRows
{
    public const string Idle = "(idle)";
    public const string Unallocated = "(unallocated)";
    public const string Unclassified = "(unclassified)";
    public const string Reconciliation = "(reconciliation)";
    public const string UnusedCommitment = "(unused commitment)";
    public const string All = "(all)";
}
