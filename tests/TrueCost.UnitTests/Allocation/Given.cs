using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Incidents;

namespace TrueCost.UnitTests.Allocation;

/// <summary>Hand-built hours for the worked examples: only the fields a rule reads are named at the call site.</summary>
internal static class Given
{
    public static readonly DateTimeOffset Hour = new(2026, 11, 16, 10, 0, 0, TimeSpan.Zero);

    public static UsageInput SelfHosted(string route, string pool, long tokens, string tenant = "acme", long requests = 1, long retryTokens = 0) =>
        new(route, tenant, "llama-70b", "interactive", "vllm", ServingModes.SelfHosted, pool, requests, tokens, Bytes: 0, retryTokens, ApiCost: 0m);

    public static UsageInput Api(string route, decimal cost, string tenant = "acme", string provider = "openai", long tokens = 1_000, long requests = 1, long retryTokens = 0, string model = "gpt-4o", bool unpriced = false) =>
        new(route, tenant, model, "interactive", provider, ServingModes.Api, Pool: string.Empty, requests, tokens, Bytes: 0, retryTokens, cost, unpriced);

    public static CostLineInput Line(string id, string bucket, decimal amount, string driver = Drivers.Requests, string pool = "", string provider = "", params string[] routes) =>
        new(id, bucket, driver, pool, provider, Model: string.Empty, routes, amount);

    /// <summary>A provider's API invoice line (its share of this hour), for the whole provider or one model.</summary>
    public static CostLineInput Invoice(string id, string provider, decimal amount, string model = "") =>
        new(id, CostBuckets.DirectInference, Drivers.Tokens, Pool: string.Empty, provider, model, [], amount);

    public static CostLineInput PoolLine(string pool, decimal amount) => Line($"gpu-{pool}", CostBuckets.DirectInference, amount, pool: pool);

    public static IncidentInput Incident(string id, decimal responderCost, AffectedScope? affected = null, decimal failedRequestCost = 0m, decimal credits = 0m) =>
        new(id, affected ?? AffectedScope.Everything, responderCost, failedRequestCost, credits);

    public static AffectedScope Routes(params string[] routes) => new(routes, [], [], []);

    public static HourAllocation Allocate(
        IReadOnlyList<UsageInput>? usage = null,
        IReadOnlyList<CostLineInput>? lines = null,
        IReadOnlyList<PoolInput>? pools = null,
        IReadOnlyList<IncidentInput>? incidents = null,
        IdlePolicy idle = IdlePolicy.Share) =>
        HourAllocator.Allocate(new HourInputs(Hour, usage ?? [], pools ?? [], lines ?? [], incidents ?? []), new AllocationPolicy(idle));

    /// <summary>The one row of an ordinary key.</summary>
    public static AllocatedRow Row(this HourAllocation allocation, string route, string tenant) =>
        Assert.Single(allocation.Rows, r => r.Route == route && r.Tenant == tenant);

    /// <summary>The one special row (<see cref="SpecialRows"/>) whose model column names what it holds: pool, provider, bucket or line.</summary>
    public static AllocatedRow Special(this HourAllocation allocation, string row, string holding) =>
        Assert.Single(allocation.Rows, r => r.Route == row && r.Model == holding);
}
