using TrueCost.Ledger.Allocation;

namespace TrueCost.Reporting.Statements;

/// <summary>A way cost reached a tenant's key, as the allocator (<see cref="HourAllocator"/>) applies it; its id goes in FOCUS AllocatedMethodId.</summary>
public sealed record AllocationMethod(string Id, string Bucket, string Description);

/// <summary>
/// The methods of <see cref="HourAllocator"/>, one per bucket and, for direct inference, per serving path. A statement
/// line aggregates a day of hours, so a direct inference line whose route and model were served both by API and by
/// a self-hosted pool that day says so rather than picking one.
/// </summary>
public static class AllocationMethods
{
    public static readonly AllocationMethod ApiTokens = new("api-tokens", CostBuckets.DirectInference,
        "API inference: the key's own tokens by class × the catalogue price in force at the start of each hour; in hours a provider invoice line covers, " +
        "the key's share of that line split by list-price cost instead (unpriced tokens in its scope weighed at the scope's average list price per token), " +
        "so discounts, credits and overages reach the tenant.");

    public static readonly AllocationMethod PoolTokenShare = new("pool-token-share", CostBuckets.DirectInference,
        "Self-hosted inference: each GPU pool-hour's cost split over the keys that used the pool by their share of its tokens (the busy part; idle is its own line).");

    public static readonly AllocationMethod PoolIdleShare = new("pool-idle-share", CostBuckets.DirectInference,
        "Idle GPU capacity: the pool-hour's cost × (1 − busy share), spread over the pool's users by token share (idle policy Share); " +
        "under idle policy Separate it stays on the (idle) row and no tenant carries it.");

    public static readonly AllocationMethod ApiAndPool = new("api-and-pool-tokens", CostBuckets.DirectInference,
        "Direct inference of a route and model served that day both by API and by a self-hosted pool: the sum of api-tokens and pool-token-share.");

    public static readonly AllocationMethod DirectUnrecorded = new("direct-inference", CostBuckets.DirectInference,
        "Direct inference whose serving path is not in priced_usage for that day: api-tokens for API usage, pool-token-share for self-hosted usage.");

    public static readonly AllocationMethod OverheadDriver = new("overhead-driver", CostBuckets.PlatformOverhead,
        "Platform overhead (networking, storage, load balancers, gateways, warm spare capacity): each invoice line's hourly share split over the keys active " +
        "in the hour by the line's stated driver (requests, bytes, tokens or pool share), within the pool and routes the line names.");

    public static readonly AllocationMethod ObservabilityDriver = new("observability-driver", CostBuckets.Observability,
        "Observability (logs, metrics, traces vendors): each line's hourly share split over the keys active in the hour by its driver (requests unless the line states another).");

    public static readonly AllocationMethod EngineeringDriver = new("engineering-driver", CostBuckets.Engineering,
        "Engineering ownership (labour, on-call): each line's hourly share split over the keys active in the hour by its driver (tokens unless the line states another), within the pool and routes the line names.");

    public static readonly AllocationMethod IncidentAffected = new("incident-affected-requests", CostBuckets.Incident,
        "Incidents: responder hours × loaded rate, failed requests × configured value and SLA credits in each hour, split over the affected keys by requests; " +
        "plus the affected usage's retry tokens' share of its own direct cost, moved from direct inference.");

    public static readonly IReadOnlyList<AllocationMethod> All =
        [ApiTokens, PoolTokenShare, PoolIdleShare, ApiAndPool, DirectUnrecorded, OverheadDriver, ObservabilityDriver, EngineeringDriver, IncidentAffected];

    /// <summary>The method of a direct inference line from the serving modes its route and model had that day.</summary>
    public static AllocationMethod Direct(IReadOnlyCollection<string> servingModes)
    {
        var api = servingModes.Contains(Contracts.RequestLogs.ServingModes.Api);
        var pool = servingModes.Contains(Contracts.RequestLogs.ServingModes.SelfHosted);
        return (api, pool) switch
        {
            (true, true) => ApiAndPool,
            (true, false) => ApiTokens,
            (false, true) => PoolTokenShare,
            _ => DirectUnrecorded,
        };
    }

    /// <summary>The method of a shared bucket's line.</summary>
    public static AllocationMethod Shared(string bucket) => bucket switch
    {
        CostBuckets.PlatformOverhead => OverheadDriver,
        CostBuckets.Observability => ObservabilityDriver,
        CostBuckets.Engineering => EngineeringDriver,
        CostBuckets.Incident => IncidentAffected,
        _ => throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "not a shared bucket"),
    };
}
