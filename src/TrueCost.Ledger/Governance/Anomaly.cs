namespace TrueCost.Ledger.Governance;

public enum AnomalyGranularity
{
    Hour,
    Day,
}

/// <summary>
/// A run of consecutive anomalous periods of one series, reported once and updated while it lasts.
/// <see cref="Start"/> is the first anomalous period, <see cref="End"/> the exclusive end of the last one;
/// <see cref="Actual"/> and <see cref="Expected"/> are summed over the run and <see cref="Impact"/> is their
/// difference in cents. <see cref="Peak"/> is the period with the largest excess, <see cref="Score"/> the largest
/// robust z of the run, and <see cref="Open"/> says the run reaches the series' last period (it may still grow).
/// </summary>
public sealed record Anomaly(
    SeriesKey Key,
    AnomalyGranularity Granularity,
    DateTimeOffset Start,
    DateTimeOffset End,
    DateTimeOffset Peak,
    decimal Actual,
    decimal Expected,
    decimal Impact,
    double Score,
    bool Open);
