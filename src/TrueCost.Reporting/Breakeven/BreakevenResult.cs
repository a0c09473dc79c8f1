using System.Globalization;

namespace TrueCost.Reporting.Breakeven;

public enum BreakevenVerdict
{
    StayOnApi,
    SelfHost,

    /// <summary>The stable baseline on self-hosted replicas, bursts on the API.</summary>
    Hybrid,
}

/// <summary>
/// One way of serving the route: its monthly cost, one-time cost, TCO over the horizon, months for
/// its savings against the API to repay the one-time cost (null when it saves nothing), the replicas
/// it keeps and the share of tokens still sent to the API.
/// </summary>
public sealed record OptionCost(decimal Monthly, decimal OneTime, decimal TotalCostOfOwnership, decimal? PaybackMonths, int Replicas, decimal ApiShare);

/// <summary>
/// The verdict and every figure that drove it, in <see cref="Currency"/>. Per 1M tokens,
/// <see cref="SelfHostPer1M"/> is self-hosting fully loaded (rent, overhead, engineering) at the
/// observed volume and <see cref="SelfHostGpuPer1M"/> the GPU rent with overhead alone at the
/// utilization the fleet would see (the unit-cost formula).
/// </summary>
public sealed record BreakevenResult(
    BreakevenVerdict Verdict,
    string Currency,
    decimal MonthlyTokens,
    decimal PeakHourTokens,
    decimal BaselineHourTokens,
    decimal ReplicaCapacityPerHour,
    decimal BlendedApiPer1M,
    decimal SelfHostPer1M,
    decimal SelfHostGpuPer1M,
    decimal SelfHostIdleShare,
    decimal SelfHostIdleMonthly,
    decimal? BreakevenMonthlyTokens,
    OptionCost Api,
    OptionCost SelfHost,
    OptionCost? Hybrid,
    ReplicaChoice Replica,
    BreakevenAssumptions Assumptions)
{
    public OptionCost Chosen => Verdict switch
    {
        BreakevenVerdict.SelfHost => SelfHost,
        BreakevenVerdict.Hybrid => Hybrid!,
        _ => Api,
    };

    /// <summary>Share of the route's tokens the verdict serves on its own replicas.</summary>
    public decimal SelfHostedShare => 1 - Chosen.ApiShare;

    public string Summary => Verdict switch
    {
        BreakevenVerdict.SelfHost => Invariant($"self-host on {SelfHost.Replicas} {Replica.GpuClass} replica(s): {SelfHost.Monthly:N0} {Currency}/month against {Api.Monthly:N0} on the API, one-time {SelfHost.OneTime:N0} repaid in {SelfHost.PaybackMonths:N1} months"),
        BreakevenVerdict.Hybrid => Invariant($"hybrid: move the baseline ({SelfHostedShare:P0} of tokens) to {Hybrid!.Replicas} {Replica.GpuClass} replica(s), keep bursts on the API: {Hybrid.Monthly:N0} {Currency}/month against {Api.Monthly:N0} API-only, repaid in {Hybrid.PaybackMonths:N1} months"),
        _ => Invariant($"the API alone is cheapest: {Api.Monthly:N0} {Currency}/month against {SelfHost.Monthly:N0} self-hosted on {SelfHost.Replicas} {Replica.GpuClass} replica(s)") +
             (BreakevenMonthlyTokens is { } v ? Invariant($"; self-hosting pays from {v / 1_000_000m:N0}M tokens/month") : "; self-hosting never pays at this price and throughput"),
    };

    /// <summary>The figures behind the verdict, formatted for a finding's evidence.</summary>
    public IReadOnlyDictionary<string, string> Evidence()
    {
        var e = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["verdict"] = Verdict.ToString(),
            ["monthly_tokens"] = Number(MonthlyTokens),
            ["peak_hour_tokens"] = Number(PeakHourTokens),
            ["baseline_hour_tokens"] = Number(BaselineHourTokens),
            ["gpu_class"] = Replica.GpuClass,
            ["gpus_per_replica"] = Number(Replica.GpusPerReplica),
            ["replica_hourly_rate"] = Money(Replica.ReplicaHourlyRate),
            ["replica_tokens_per_second"] = Number(Replica.TokensPerSecond),
            ["replica_capacity_per_hour"] = Number(ReplicaCapacityPerHour),
            ["required_replicas"] = Number(SelfHost.Replicas),
            ["api_blended_per_1m"] = Money(BlendedApiPer1M),
            ["self_host_per_1m"] = Money(SelfHostPer1M),
            ["self_host_gpu_per_1m"] = Share(SelfHostGpuPer1M),
            ["self_host_idle_share"] = Share(SelfHostIdleShare),
            ["self_host_idle_monthly"] = Money(SelfHostIdleMonthly),
            ["api_monthly"] = Money(Api.Monthly),
            ["self_host_monthly"] = Money(SelfHost.Monthly),
            ["api_tco"] = Money(Api.TotalCostOfOwnership),
            ["self_host_tco"] = Money(SelfHost.TotalCostOfOwnership),
            ["self_host_payback_months"] = SelfHost.PaybackMonths is { } p ? Number(p) : "never",
            ["breakeven_monthly_tokens"] = BreakevenMonthlyTokens is { } b ? Number(b) : "none",
            ["utilization_target"] = Share(Assumptions.UtilizationTarget),
            ["ops_overhead"] = Share(Assumptions.OpsOverhead),
            ["engineering_monthly"] = Money(Assumptions.EngineeringMonthly),
            ["deployment_cost"] = Money(Assumptions.DeploymentCost),
            ["horizon_months"] = Number(Assumptions.HorizonMonths),
        };
        if (Hybrid is { } h)
        {
            e["hybrid_replicas"] = Number(h.Replicas);
            e["hybrid_self_hosted_share"] = Share(1 - h.ApiShare);
            e["hybrid_monthly"] = Money(h.Monthly);
            e["hybrid_tco"] = Money(h.TotalCostOfOwnership);
            e["hybrid_payback_months"] = h.PaybackMonths is { } months ? Number(months) : "never";
        }

        return e;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Number(decimal v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Money(decimal v) => v.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Share(decimal v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
