namespace TrueCost.Reporting.Breakeven;

/// <summary>
/// Monthly cost of the API and of self-hosting as functions of monthly token volume, for traffic
/// shaped like the observed profile (the peak hour scales with volume, and replicas follow the peak).
/// The weekly report can chart both lines; the calculator reads the crossing off them.
/// </summary>
public sealed class CostCurve
{
    private const decimal Million = 1_000_000m;

    public CostCurve(ApiPrice api, ReplicaChoice replica, BreakevenAssumptions assumptions, decimal outputShare, decimal peakFactor)
    {
        if (api.Currency != replica.Currency)
        {
            throw new ArgumentException($"API price is in {api.Currency} but the {replica.GpuClass} replica is priced in {replica.Currency}; convert one of them first");
        }

        if (replica.TokensPerSecond <= 0 || replica.ReplicaHourlyRate <= 0)
        {
            throw new ArgumentException($"{replica.GpuClass} replica needs positive throughput and hourly rate (got {replica.TokensPerSecond} tokens/s at {replica.ReplicaHourlyRate}/h)");
        }

        if (api.InputPer1M < 0 || api.OutputPer1M < 0)
        {
            throw new ArgumentException($"API prices must not be negative (input {api.InputPer1M}, output {api.OutputPer1M} per 1M tokens)");
        }

        assumptions.Validate();
        Api = api;
        Replica = replica;
        Assumptions = assumptions;
        PeakFactor = peakFactor;
        BlendedApiPer1M = api.BlendedPer1M(outputShare);
        ReplicaCapacityPerHour = replica.TokensPerSecond * 3600m * assumptions.UtilizationTarget;
        ReplicaMonthly = replica.ReplicaHourlyRate * BreakevenCalculator.HoursPerMonth * (1 + assumptions.OpsOverhead);
    }

    public ApiPrice Api { get; }

    public ReplicaChoice Replica { get; }

    public BreakevenAssumptions Assumptions { get; }

    public decimal PeakFactor { get; }

    public decimal BlendedApiPer1M { get; }

    /// <summary>Tokens one replica serves in an hour at the utilization target.</summary>
    public decimal ReplicaCapacityPerHour { get; }

    /// <summary>One replica for a month, GPU rent plus operations overhead.</summary>
    public decimal ReplicaMonthly { get; }

    public decimal ApiMonthly(decimal monthlyTokens) => monthlyTokens * BlendedApiPer1M / Million;

    /// <summary>Replicas the peak hour needs at the utilization target; one at least, since a deployment cannot be smaller.</summary>
    public int Replicas(decimal monthlyTokens) => Math.Max(1, WholeUnitsFor(monthlyTokens * PeakFactor / ReplicaCapacityPerHour));

    public decimal SelfHostMonthly(decimal monthlyTokens) => (Replicas(monthlyTokens) * ReplicaMonthly) + Assumptions.EngineeringMonthly;

    /// <summary>
    /// The monthly volume at which self-hosting costs what the API costs, or null when a replica
    /// costs more per month than the API charges for everything it can serve (no volume crosses).
    /// With k replicas the crossing is (k·R + E)/p; the smallest k whose capacity reaches it is
    /// k ≥ E/(p·C − R), where p is the API price per token, C a replica's monthly capacity under
    /// the profile's shape, R its monthly cost and E engineering. The crossing then lies within
    /// k's capacity range, so both costs are equal there.
    /// </summary>
    public decimal? BreakevenMonthlyTokens()
    {
        var pricePerToken = BlendedApiPer1M / Million;
        var replicaMonthlyCapacity = ReplicaCapacityPerHour / PeakFactor;
        var marginPerReplica = (pricePerToken * replicaMonthlyCapacity) - ReplicaMonthly;
        if (marginPerReplica <= 0)
        {
            return null;
        }

        var replicas = Math.Max(1m, Math.Ceiling(Assumptions.EngineeringMonthly / marginPerReplica));
        return Math.Ceiling(((replicas * ReplicaMonthly) + Assumptions.EngineeringMonthly) / pricePerToken);
    }

    /// <summary>
    /// Whole replicas for a fractional need. Decimal division leaves residues around 1e-20 (2 becomes
    /// 2.00…01); rounding to nine places first keeps such residues from buying a replica.
    /// </summary>
    internal static int WholeUnitsFor(decimal need) => (int)Math.Ceiling(Math.Round(need, 9));
}
