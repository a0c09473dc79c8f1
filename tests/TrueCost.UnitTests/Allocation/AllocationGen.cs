using CsCheck;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Incidents;

namespace TrueCost.UnitTests.Allocation;

/// <summary>
/// Random hours over a few routes, tenants, models and traffic classes, with every kind of input the
/// allocator reads and the awkward cases it must survive: pools without users or samples, invoices that
/// disagree with priced tokens, lines nobody can carry, unclassified lines, overlapping incidents.
/// </summary>
internal static class AllocationGen
{
    private static readonly string[] Routes = ["chat", "search", "summarize"];
    private static readonly string[] Tenants = ["acme", "globex"];
    private static readonly string[] Models = ["llama-70b", "gpt-4o"];
    private static readonly string[] TrafficClasses = ["interactive", "batch"];
    private static readonly string[] Providers = ["openai", "anthropic"];

    // pool-c never has usage, so its lines exercise the all-idle path; invoice lines may name a provider nobody used.
    private static readonly string[] UsedPools = ["pool-a", "pool-b"];
    private static readonly string[] Pools = [.. UsedPools, "pool-c"];
    private static readonly string[] InvoiceProviders = [.. Providers, "mistral", string.Empty];
    private static readonly string[] Buckets = [.. CostBuckets.Five, CostBuckets.Unclassified];

    private static readonly decimal[] DecimalPlaces = [1m, 0.1m, 0.01m, 0.001m, 0.0001m, 0.00001m, 0.000001m, 0.0000001m, 0.00000001m, 0.000000001m, 0.0000000001m];

    /// <summary>
    /// Amounts with up to ten decimals, sometimes divided by 3 or 7 to get the 28-digit values a charge
    /// spread over a period produces, and negative for credits.
    /// </summary>
    public static readonly Gen<decimal> Money =
        Gen.Select(Gen.Long[-2_000_000_000, 20_000_000_000], Gen.Int[0, DecimalPlaces.Length - 1], Gen.OneOf(1m, 3m, 7m), (n, places, divisor) => n * DecimalPlaces[places] / divisor);

    private static readonly Gen<decimal> Charge = Money.Select(Math.Abs);

    private static Gen<IReadOnlyList<string>> AnyOf(string[] values) =>
        Gen.Int[0, (1 << values.Length) - 1].Select(mask => (IReadOnlyList<string>)[.. values.Where((_, i) => (mask >> i & 1) == 1)]);

    private static readonly Gen<UsageInput> Usage =
        Gen.Select(
            Gen.OneOf(Routes), Gen.OneOf(Tenants), Gen.OneOf(Models), Gen.OneOf(TrafficClasses),
            Gen.Bool, Gen.OneOf(Providers), Gen.OneOf(UsedPools),
            Gen.Long[0, 1_000], Gen.Long[0, 1_000_000], Gen.Long[0, 10_000_000],
            Gen.Frequency((2, Gen.Const(0)), (1, Gen.Int[0, 120])),
            Charge,
            (route, tenant, model, traffic, api, provider, pool, requests, tokens, bytes, retryPercent, cost) => new UsageInput(
                route, tenant, model, traffic,
                api ? provider : "vllm",
                api ? ServingModes.Api : ServingModes.SelfHosted,
                api ? string.Empty : pool,
                requests, tokens, bytes, tokens * retryPercent / 100,
                api ? cost : 0m));

    private static readonly Gen<double?> BusyShare = Gen.Frequency(
        (1, Gen.Const((double?)null)),
        (1, Gen.OneOf(0.0, 1.0).Select(b => (double?)b)),
        (4, Gen.Double[0, 1].Select(b => (double?)b)));

    private static readonly Gen<PoolInput[]> PoolHours =
        Gen.Select(Gen.Bool.Array[Pools.Length], BusyShare.Array[Pools.Length], (sent, busy) =>
            Pools.Select((pool, i) => (pool, i)).Where(p => sent[p.i]).Select(p => new PoolInput(p.pool, busy[p.i], MissingGpuSeconds: 0)).ToArray());

    private static readonly Gen<CostLineInput> Line =
        Gen.Select(
            Gen.OneOf(Buckets), Gen.OneOf(Drivers.All.ToArray()),
            Gen.Frequency((1, Gen.Const(string.Empty)), (1, Gen.OneOf(Pools))),
            Gen.OneOf(InvoiceProviders), AnyOf(Routes), Money,
            (bucket, driver, pool, provider, routes, amount) => new CostLineInput("(numbered below)", bucket, driver, pool, provider, Model: string.Empty, routes, amount));

    private static readonly Gen<IncidentInput> Incident =
        Gen.Select(
            Gen.Select(AnyOf(Routes), AnyOf(Tenants), AnyOf(Models), AnyOf(Pools), (r, t, m, p) => new AffectedScope(r, t, m, p)),
            Charge, Charge, Gen.Frequency((2, Gen.Const(0m)), (1, Money)),
            (affected, responders, failed, credits) => new IncidentInput("(numbered below)", affected, responders, failed, credits));

    public static readonly Gen<HourInputs> Hour =
        Gen.Select(Usage.Array[0, 12], PoolHours, Line.Array[0, 10], Incident.Array[0, 3], (usage, pools, lines, incidents) => new HourInputs(
            Given.Hour,
            usage,
            pools,
            [.. lines.Select((l, i) => l with { LineId = $"line-{i}" })],
            [.. incidents.Select((x, i) => x with { IncidentId = $"inc-{i}" })]));
}
