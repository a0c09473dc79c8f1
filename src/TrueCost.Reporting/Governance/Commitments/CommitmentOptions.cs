using TrueCost.Ledger.Time;

namespace TrueCost.Reporting.Governance.Commitments;

public enum CommitmentKind
{
    /// <summary>Reserved GPUs of one pool (<see cref="CommitmentDefinition.Quantity"/> GPUs).</summary>
    GpuReservation,

    /// <summary>A committed spend (or token volume) with one API provider, optionally one model.</summary>
    TokenCommitment,
}

public enum CommitmentPeriod
{
    /// <summary><see cref="CommitmentDefinition.Amount"/> is paid per calendar month; each month's amount is spread over that month's hours.</summary>
    Month,

    /// <summary><see cref="CommitmentDefinition.Amount"/> covers the whole term (an upfront purchase); spread evenly over the term's hours.</summary>
    Term,
}

/// <summary>
/// A commitment no invoice line describes (an entry of Governance:Commitments): reserved GPU capacity of a pool, or a
/// committed amount with a token provider, for <see cref="Amount"/> in the ledger currency per <see cref="Period"/>
/// from <see cref="Start"/> to <see cref="End"/> (whole UTC hours). The thresholds decide its findings.
/// </summary>
public sealed class CommitmentDefinition
{
    public string Name { get; set; } = string.Empty;

    public CommitmentKind Kind { get; set; } = CommitmentKind.GpuReservation;

    /// <summary>The GPU pool reserved (GpuReservation only), as gpu_pool_hourly names it.</summary>
    public string? Pool { get; set; }

    /// <summary>The API provider committed to (TokenCommitment only), any name the provider alias table knows.</summary>
    public string? Provider { get; set; }

    /// <summary>Only this model's usage counts against a token commitment (none: every model of the provider).</summary>
    public string? Model { get; set; }

    /// <summary>What the commitment costs per <see cref="Period"/>, in the ledger currency (Ledger:Currency).</summary>
    public decimal Amount { get; set; }

    public CommitmentPeriod Period { get; set; } = CommitmentPeriod.Month;

    public DateTimeOffset Start { get; set; }

    public DateTimeOffset End { get; set; }

    /// <summary>GPUs reserved (GpuReservation, required), or tokens committed per month (TokenCommitment, shown only).</summary>
    public decimal? Quantity { get; set; }

    /// <summary>
    /// The discount against on-demand prices, 0..1, for the saving a higher coverage would bring. Unset: derived for a GPU
    /// reservation from the pool's on-demand invoice lines; unknown for a token commitment (no saving estimated).
    /// </summary>
    public decimal? Discount { get; set; }

    /// <summary>Below this utilization (used ÷ amortized, 0..1) a "commitment under-used" finding is raised.</summary>
    public decimal UtilizationThreshold { get; set; } = CommitmentOptions.DefaultUtilizationThreshold;

    /// <summary>Below this coverage (0..1) a "coverage too low" finding is raised, when the uncovered spend is material.</summary>
    public decimal CoverageThreshold { get; set; } = CommitmentOptions.DefaultCoverageThreshold;

    /// <summary>On-demand spend per month, in the ledger currency, below which low coverage is not worth a finding.</summary>
    public decimal MaterialOnDemandPerMonth { get; set; } = CommitmentOptions.DefaultMaterialOnDemandPerMonth;

    public CommitmentThresholds Thresholds => new(UtilizationThreshold, CoverageThreshold, MaterialOnDemandPerMonth);

    public void Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Any(char.IsControl))
        {
            throw new InvalidOperationException($"{path}:Name must be set");
        }

        var at = $"{path} ({Name})";
        if (!Enum.IsDefined(Kind) || !Enum.IsDefined(Period))
        {
            throw new InvalidOperationException($"{at}: Kind must be GpuReservation or TokenCommitment and Period Month or Term");
        }

        if (Amount <= 0)
        {
            throw new InvalidOperationException($"{at}:Amount {Amount} must be above zero (the commitment's cost per {Period}, in the ledger currency)");
        }

        if (Start == default || End == default || UtcHour.Floor(Start) != Start || UtcHour.Floor(End) != End || End <= Start)
        {
            throw new InvalidOperationException($"{at}: Start {Start:O} and End {End:O} must be whole UTC hours, End after Start");
        }

        if (Kind == CommitmentKind.GpuReservation)
        {
            if (string.IsNullOrWhiteSpace(Pool))
            {
                throw new InvalidOperationException($"{at}:Pool is required for a GpuReservation (the pool as gpu_pool_hourly names it)");
            }

            if (Quantity is not > 0 || Quantity != Math.Floor(Quantity.Value))
            {
                throw new InvalidOperationException($"{at}:Quantity {Quantity} must be the number of GPUs reserved, a whole number above zero");
            }

            if (Provider is not null || Model is not null)
            {
                throw new InvalidOperationException($"{at}: Provider and Model are for a TokenCommitment; a GpuReservation names its Pool");
            }
        }
        else
        {
            if (string.IsNullOrWhiteSpace(Provider))
            {
                throw new InvalidOperationException($"{at}:Provider is required for a TokenCommitment");
            }

            if (Pool is not null || Quantity is <= 0 || Model is { } m && string.IsNullOrWhiteSpace(m))
            {
                throw new InvalidOperationException($"{at}: a TokenCommitment has no Pool, a Quantity (tokens per month) above zero when given, and a Model that is not empty when given");
            }
        }

        if (Discount is < 0 or >= 1)
        {
            throw new InvalidOperationException($"{at}:Discount {Discount} must be in [0, 1): the fraction saved against on-demand prices");
        }

        Thresholds.Validate(at);
    }
}

/// <summary>When a commitment raises findings: utilization and coverage floors (0..1) and the on-demand spend that is material.</summary>
public sealed record CommitmentThresholds(decimal Utilization, decimal Coverage, decimal MaterialOnDemandPerMonth)
{
    public static readonly CommitmentThresholds Default = new(
        CommitmentOptions.DefaultUtilizationThreshold, CommitmentOptions.DefaultCoverageThreshold, CommitmentOptions.DefaultMaterialOnDemandPerMonth);

    public void Validate(string at)
    {
        if (Utilization is < 0 or > 1 || Coverage is < 0 or > 1)
        {
            throw new InvalidOperationException($"{at}: UtilizationThreshold {Utilization} and CoverageThreshold {Coverage} must be fractions in [0, 1] (0.8 is 80 %)");
        }

        if (MaterialOnDemandPerMonth < 0)
        {
            throw new InvalidOperationException($"{at}:MaterialOnDemandPerMonth {MaterialOnDemandPerMonth} must not be negative");
        }
    }
}

/// <summary>Section "Governance:Commitments": the declared commitments and the thresholds FOCUS commitments use.</summary>
public static class CommitmentOptions
{
    public const string Key = "Commitments";
    public const decimal DefaultUtilizationThreshold = 0.80m;
    public const decimal DefaultCoverageThreshold = 0.60m;
    public const decimal DefaultMaterialOnDemandPerMonth = 100m;

    public static void Validate(IReadOnlyList<CommitmentDefinition> commitments)
    {
        var path = $"{GovernanceOptions.Section}:{Key}";
        for (var i = 0; i < commitments.Count; i++)
        {
            commitments[i].Validate($"{path}:{i}");
        }

        if (commitments.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new InvalidOperationException($"{path} has {duplicate.Count()} commitments named '{duplicate.Key}'; names must be unique");
        }
    }
}
