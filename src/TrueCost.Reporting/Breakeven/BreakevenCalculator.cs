using TrueCost.Ledger.UnitEconomics;

namespace TrueCost.Reporting.Breakeven;

/// <summary>
/// API vs self-host vs hybrid for one route, from its observed hourly token profile. Pure.
/// <list type="bullet">
/// <item>API: every token at the blended list price.</item>
/// <item>Self-host: enough replicas for the peak hour at the utilization target, rent plus ops overhead, plus engineering; a one-time deployment cost.</item>
/// <item>Hybrid: as many replicas as the baseline hour (a low quantile) fills at the utilization target; each hour they take what they can and the rest goes to the API.</item>
/// </list>
/// The cheapest option over the horizon wins, but leaving the API must save at least
/// <see cref="BreakevenAssumptions.MinimumSavingsShare"/> of the API's TCO.
/// </summary>
public static class BreakevenCalculator
{
    /// <summary>8,760 hours a year over 12 months.</summary>
    public const decimal HoursPerMonth = 730m;

    public static BreakevenResult Calculate(TrafficProfile traffic, ApiPrice api, ReplicaChoice replica, BreakevenAssumptions assumptions)
    {
        var curve = new CostCurve(api, replica, assumptions, traffic.OutputShare, traffic.PeakFactor);
        var monthly = traffic.MonthlyTokens;
        var apiMonthly = curve.ApiMonthly(monthly);
        var apiOption = Option(apiMonthly, apiMonthly, 0m, replicas: 0, apiShare: 1m, assumptions);

        var replicas = curve.Replicas(monthly);
        var selfHost = Option(apiMonthly, curve.SelfHostMonthly(monthly), assumptions.DeploymentCost, replicas, apiShare: 0m, assumptions);
        var gpuMonthly = replicas * replica.ReplicaHourlyRate * HoursPerMonth;
        var idleShare = 1 - Math.Min(1m, monthly / (replicas * replica.TokensPerSecond * 3600m * HoursPerMonth));
        var gpuPer1M = idleShare < 1
            ? UnitCost.PerMillionTokens(replica.ReplicaHourlyRate, replica.TokensPerSecond, 1 - idleShare, assumptions.OpsOverhead).PerMillionTokensWithOverhead
            : 0m;

        var baseline = traffic.Quantile(assumptions.BaselineQuantile);
        var hybrid = Hybrid(traffic, curve, apiMonthly, baseline, replicas);

        var (verdict, best) = hybrid is not null && hybrid.TotalCostOfOwnership < selfHost.TotalCostOfOwnership
            ? (BreakevenVerdict.Hybrid, hybrid)
            : (BreakevenVerdict.SelfHost, selfHost);
        var worthLeaving = best.TotalCostOfOwnership <= apiOption.TotalCostOfOwnership * (1 - assumptions.MinimumSavingsShare);

        return new BreakevenResult(
            worthLeaving ? verdict : BreakevenVerdict.StayOnApi,
            api.Currency,
            monthly,
            traffic.PeakHourTokens,
            baseline,
            curve.ReplicaCapacityPerHour,
            curve.BlendedApiPer1M,
            monthly > 0 ? Cents(selfHost.Monthly * 1_000_000m / monthly) : 0m,
            Math.Round(gpuPer1M, 4, MidpointRounding.ToEven),
            Math.Round(idleShare, 4, MidpointRounding.ToEven),
            Cents(gpuMonthly * idleShare),
            curve.BreakevenMonthlyTokens(),
            apiOption,
            selfHost,
            hybrid,
            replica,
            assumptions);
    }

    /// <summary>
    /// The baseline replicas (whole replicas the baseline hour fills at the utilization target) and
    /// the API for the rest; null when the baseline fills no replica or as many as the peak needs,
    /// since the hybrid would then be the API or self-hosting under another name.
    /// </summary>
    private static OptionCost? Hybrid(TrafficProfile traffic, CostCurve curve, decimal apiMonthly, decimal baseline, int peakReplicas)
    {
        var replicas = (int)Math.Floor(Math.Round(baseline / curve.ReplicaCapacityPerHour, 9));
        if (replicas < 1 || replicas >= peakReplicas)
        {
            return null;
        }

        var capacity = replicas * curve.ReplicaCapacityPerHour;
        var total = traffic.HourlyTokens.Sum();
        var apiShare = total == 0 ? 1m : 1 - (traffic.HourlyTokens.Sum(t => Math.Min(t, capacity)) / total);
        var monthly = (replicas * curve.ReplicaMonthly) + curve.Assumptions.EngineeringMonthly + (apiMonthly * apiShare);
        return Option(apiMonthly, monthly, curve.Assumptions.DeploymentCost, replicas, apiShare, curve.Assumptions);
    }

    private static OptionCost Option(decimal apiMonthly, decimal monthly, decimal oneTime, int replicas, decimal apiShare, BreakevenAssumptions a)
    {
        var savings = apiMonthly - monthly;
        decimal? payback = savings > 0 ? Math.Round(oneTime / savings, 2, MidpointRounding.ToEven) : null;
        return new OptionCost(Cents(monthly), oneTime, Cents((monthly * a.HorizonMonths) + oneTime), payback, replicas, apiShare);
    }

    private static decimal Cents(decimal amount) => Math.Round(amount, 2, MidpointRounding.ToEven);
}
