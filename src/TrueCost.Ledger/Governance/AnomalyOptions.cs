namespace TrueCost.Ledger.Governance;

/// <summary>How cost anomalies are found (<see cref="AnomalyDetector"/>); bound from configuration section "Governance:Anomalies".</summary>
public sealed class AnomalyOptions
{
    public const string Section = "Governance:Anomalies";

    /// <summary>Weeks of the same hour of week (day of week) whose median is the seasonal baseline.</summary>
    public int LookbackWeeks { get; set; } = 4;

    /// <summary>Whole weeks of history a period needs before it is judged; a younger series has no anomalies.</summary>
    public int MinimumHistoryWeeks { get; set; } = 2;

    /// <summary>Days of recent cost whose median ratio to the baseline follows growth and level shifts.</summary>
    public int LevelDays { get; set; } = 7;

    /// <summary>Robust z (excess over the expected cost, in robust standard deviations) at or above which a period is anomalous.</summary>
    public double Threshold { get; set; } = 3.5;

    /// <summary>
    /// The least spread assumed, as a share of the expected cost, so a flat or very regular series does not alarm
    /// on a small wiggle.
    /// </summary>
    public double MinimumRelativeSpread { get; set; } = 0.05;

    /// <summary>The cost floor of an hourly anomaly, in the reporting currency: a run of anomalous hours with a smaller impact is not reported.</summary>
    public decimal MinimumHourlyImpact { get; set; } = 1.00m;

    /// <summary>The cost floor of a daily anomaly, in the reporting currency.</summary>
    public decimal MinimumDailyImpact { get; set; } = 10.00m;

    public decimal MinimumImpact(AnomalyGranularity granularity) =>
        granularity == AnomalyGranularity.Hour ? MinimumHourlyImpact : MinimumDailyImpact;

    public void Validate()
    {
        if (LookbackWeeks is < 1 or > 52)
        {
            throw new InvalidOperationException($"{Section}:LookbackWeeks {LookbackWeeks} is outside 1..52");
        }

        if (MinimumHistoryWeeks < 1 || MinimumHistoryWeeks > LookbackWeeks)
        {
            throw new InvalidOperationException($"{Section}:MinimumHistoryWeeks {MinimumHistoryWeeks} is outside 1..LookbackWeeks ({LookbackWeeks})");
        }

        if (LevelDays is < 3 or > 28)
        {
            throw new InvalidOperationException($"{Section}:LevelDays {LevelDays} is outside 3..28");
        }

        if (!double.IsFinite(Threshold) || Threshold <= 0)
        {
            throw new InvalidOperationException($"{Section}:Threshold {Threshold} must be a positive number");
        }

        if (!double.IsFinite(MinimumRelativeSpread) || MinimumRelativeSpread is < 0 or > 1)
        {
            throw new InvalidOperationException($"{Section}:MinimumRelativeSpread {MinimumRelativeSpread} is outside 0..1");
        }

        if (MinimumHourlyImpact < 0 || MinimumDailyImpact < 0)
        {
            throw new InvalidOperationException(
                $"{Section}:MinimumHourlyImpact and MinimumDailyImpact must not be negative (have {MinimumHourlyImpact}, {MinimumDailyImpact})");
        }
    }
}
