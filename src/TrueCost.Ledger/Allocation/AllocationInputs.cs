using TrueCost.Ledger.Incidents;

namespace TrueCost.Ledger.Allocation;

/// <summary>
/// Usage of one key in the hour (from usage_hourly, priced), with what every driver needs. Provider and
/// model are canonical (aliases applied). <see cref="Unpriced"/> API usage has no list price: it keeps its
/// row and its counts, and carries cost only where an invoice of its provider covers it.
/// </summary>
public sealed record UsageInput(
    string Route,
    string Tenant,
    string Model,
    string TrafficClass,
    string Provider,
    string ServingMode,
    string Pool,
    long Requests,
    long Tokens,
    long Bytes,
    long RetryTokens,
    decimal ApiCost,
    bool Unpriced = false);

/// <summary>A GPU pool's hour (from gpu_pool_hourly). BusyShare is null when the pool sent no samples.</summary>
public sealed record PoolInput(string Pool, double? BusyShare, double MissingGpuSeconds);

/// <summary>
/// One invoice line's share of the hour (from cost_line_hourly), in the reporting currency. Provider and
/// model are canonical; a provider's API invoice line is already this hour's share by usage.
/// </summary>
public sealed record CostLineInput(string LineId, string Bucket, string Driver, string Pool, string Provider, string Model, IReadOnlyList<string> Routes, decimal Amount);

/// <summary>An incident's cost components that fall in this hour, and whom it affected.</summary>
public sealed record IncidentInput(string IncidentId, AffectedScope Affected, decimal ResponderCost, decimal FailedRequestCost, decimal Credits)
{
    public decimal Total => ResponderCost + FailedRequestCost + Credits;
}

public sealed record HourInputs(
    DateTimeOffset Hour,
    IReadOnlyList<UsageInput> Usage,
    IReadOnlyList<PoolInput> Pools,
    IReadOnlyList<CostLineInput> Lines,
    IReadOnlyList<IncidentInput> Incidents);

public enum IdlePolicy
{
    /// <summary>Idle pool capacity is spread over the pool's users pro rata (and shown in their idle column).</summary>
    Share,

    /// <summary>Idle pool capacity stays on an explicit <c>(idle)</c> row per pool.</summary>
    Separate,
}

public sealed record AllocationPolicy(IdlePolicy Idle = IdlePolicy.Share, string Currency = "USD");
