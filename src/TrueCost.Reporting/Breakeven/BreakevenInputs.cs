namespace TrueCost.Reporting.Breakeven;

/// <summary>
/// A route's traffic as tokens (input + output) per hour over the observed period, every hour
/// included (quiet hours as zero), and the share of those tokens that are output.
/// </summary>
public sealed record TrafficProfile
{
    public TrafficProfile(IReadOnlyList<decimal> hourlyTokens, decimal outputShare)
    {
        if (hourlyTokens.Count == 0 || hourlyTokens.Any(t => t < 0))
        {
            throw new ArgumentException("a traffic profile needs at least one hour and no negative token counts", nameof(hourlyTokens));
        }

        if (outputShare is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(outputShare), outputShare, "output share must be within 0..1");
        }

        HourlyTokens = hourlyTokens;
        OutputShare = outputShare;
    }

    public IReadOnlyList<decimal> HourlyTokens { get; }

    public decimal OutputShare { get; }

    public decimal MonthlyTokens => Math.Round(HourlyTokens.Sum() * BreakevenCalculator.HoursPerMonth / HourlyTokens.Count, 0);

    public decimal PeakHourTokens => HourlyTokens.Max();

    /// <summary>Peak hour over monthly volume: how much capacity each token of monthly volume demands.</summary>
    public decimal PeakFactor => MonthlyTokens > 0 ? PeakHourTokens / MonthlyTokens : 1m / BreakevenCalculator.HoursPerMonth;

    /// <summary>Hourly volume at the given quantile (nearest rank), e.g. 0.25 for the p25 hour.</summary>
    public decimal Quantile(decimal q) => NearestRank(HourlyTokens, (double)q);

    /// <summary>The value at quantile <paramref name="q"/> by the nearest-rank rule: an observed value, never an interpolation.</summary>
    internal static T NearestRank<T>(IEnumerable<T> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static TrafficProfile FromHours(IEnumerable<long> hourlyTokens, decimal outputShare) =>
        new([.. hourlyTokens.Select(t => (decimal)t)], outputShare);

    /// <summary>Evenly spread traffic, for what-if questions about routes that do not exist yet.</summary>
    public static TrafficProfile Flat(decimal monthlyTokens, decimal outputShare) =>
        new([monthlyTokens / BreakevenCalculator.HoursPerMonth], outputShare);
}

/// <summary>API list price per one million tokens.</summary>
public sealed record ApiPrice(decimal InputPer1M, decimal OutputPer1M, string Currency)
{
    public decimal BlendedPer1M(decimal outputShare) => (InputPer1M * (1 - outputShare)) + (OutputPer1M * outputShare);
}

/// <summary>The self-hosted capacity unit: one replica's price per hour (all its GPUs) and sustained throughput.</summary>
public sealed record ReplicaChoice(string GpuClass, decimal ReplicaHourlyRate, decimal TokensPerSecond, int GpusPerReplica, string Currency)
{
    public static ReplicaChoice From(GpuOffer offer, string sizeClass)
    {
        var t = offer.Throughput[sizeClass];
        return new(offer.GpuClass, offer.ReplicaHourlyRate(sizeClass), t.TokensPerSecond, t.GpusPerReplica, offer.Currency);
    }
}

/// <summary>The assumptions a breakeven rests on; every one is printed beside the verdict.</summary>
public sealed record BreakevenAssumptions
{
    /// <summary>
    /// Share of a replica's throughput it is planned to run at in the peak hour: headroom for bursts
    /// inside the hour and for latency targets, which degrade as a GPU nears saturation.
    /// </summary>
    public decimal UtilizationTarget { get; init; } = 0.70m;

    /// <summary>
    /// Operations overhead on top of the GPU rent (networking, storage, monitoring, spare capacity).
    /// The field puts it at 20–40%; mercatus-ai.com/blog/cloud-gpu-pricing plans 30–50% above the GPU sticker.
    /// </summary>
    public decimal OpsOverhead { get; init; } = 0.30m;

    /// <summary>Engineering time to own the self-hosted stack, per month (a quarter of an engineer at a loaded $240k a year).</summary>
    public decimal EngineeringMonthly { get; init; } = 5_000m;

    /// <summary>One-time cost of building the deployment (setup, load tests, migration).</summary>
    public decimal DeploymentCost { get; init; } = 25_000m;

    /// <summary>The hourly-volume quantile treated as the stable baseline a hybrid keeps on its own replicas.</summary>
    public decimal BaselineQuantile { get; init; } = 0.25m;

    /// <summary>Self-hosting must save at least this share of the API's TCO to be worth its risk and estimate error.</summary>
    public decimal MinimumSavingsShare { get; init; } = 0.10m;

    public int HorizonMonths { get; init; } = 36;

    /// <summary>Throws with the offending value named when an assumption is out of range.</summary>
    public void Validate()
    {
        Require(UtilizationTarget is > 0 and <= 1, $"utilization target {UtilizationTarget} must be within (0, 1]");
        Require(OpsOverhead is >= 0 and <= 5, $"ops overhead {OpsOverhead} must be within 0..5 (0.30 = 30%)");
        Require(EngineeringMonthly >= 0, $"engineering cost per month {EngineeringMonthly} must not be negative");
        Require(DeploymentCost >= 0, $"deployment cost {DeploymentCost} must not be negative");
        Require(BaselineQuantile is > 0 and < 1, $"baseline quantile {BaselineQuantile} must be within (0, 1)");
        Require(MinimumSavingsShare is >= 0 and < 1, $"minimum savings share {MinimumSavingsShare} must be within [0, 1)");
        Require(HorizonMonths > 0, $"horizon {HorizonMonths} months must be positive");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
