using System.Text.Json.Serialization;

namespace TrueCost.Reporting.Governance.Commitments;

/// <summary>
/// One commitment over a range: what it costs amortized (<see cref="Amortized"/> = <see cref="Used"/> +
/// <see cref="Unused"/>), the unused part as its own cost, utilization (used ÷ amortized) and coverage (the share of the
/// eligible usage it covers; above 1 when it commits more than is used). <see cref="EligibleOnDemand"/> is the
/// on-demand value of all eligible usage in the range (null when the ledger cannot price it), <see cref="Discount"/>
/// the commitment's discount against on-demand prices (null when unknown). <see cref="Hours"/> counts the hours of
/// the range the commitment was in force. Money in <see cref="Currency"/>.
/// </summary>
public sealed record CommitmentFigures(
    string Name,
    string Kind,
    string Scope,
    DateTimeOffset TermStart,
    DateTimeOffset TermEnd,
    int Hours,
    decimal Amortized,
    decimal Used,
    decimal Unused,
    decimal? Utilization,
    decimal? Coverage,
    decimal? EligibleOnDemand,
    decimal? Discount,
    string Currency,
    CommitmentThresholds Thresholds)
{
    public const string FocusKind = "focus";
    public const string GpuReservationKind = "gpu_reservation";
    public const string TokenCommitmentKind = "token_commitment";

    /// <summary>Multiplies an amount of the range into an amount per month (30 days), as the other findings do.</summary>
    [JsonIgnore]
    public decimal ToMonth => Hours == 0 ? 0m : 720m / Hours;

    /// <summary>What the figures rest on, for a finding's evidence and the CLI.</summary>
    public IReadOnlyDictionary<string, string> Evidence { get; init; } = new Dictionary<string, string>();
}
