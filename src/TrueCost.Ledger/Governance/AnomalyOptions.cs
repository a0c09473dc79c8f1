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

    /// <summary>Robust z (the log of cost over expected cost, in robust standard deviations) at or above which a day is anomalous.</summary>
    public double Threshold { get; set; } = 3.5;

    /// <summary>
    /// The robust z at or above which an hour, or a window of hours, is anomalous: higher than <see cref="Threshold"/>
    /// because a week has 24 times as many hours (and their windows) as days to test, so the same few false alarms a
    /// week need a stricter bar per test.
    /// </summary>
    public double HourlyThreshold { get; set; } = 4.0;

    /// <summary>
    /// The least share of the lookback's hours with any cost for a series to be judged hour by hour: a series idle in most
    /// hours (a small tenant's few requests a day) expects nothing in most hours, so any hour with a request would read as a
    /// spike; it is judged on its days only.
    /// </summary>
    public double MinimumActiveHourShare { get; set; } = 0.5;

    /// <summary>
    /// The least spread assumed, as a share of the expected cost, so a flat or very regular series does not alarm
    /// on a small wiggle.
    /// </summary>
    public double MinimumRelativeSpread { get; set; } = 0.05;

    /// <summary>The cost floor of an hourly anomaly, in the reporting currency: a run of anomalous hours with a smaller impact is not reported.</summary>
    public decimal MinimumHourlyImpact { get; set; } = 1.00m;

    /// <summary>The cost floor of a daily anomaly, in the reporting currency.</summary>
    public decimal MinimumDailyImpact { get; set; } = 10.00m;

    /// <summary>The least impact of an hourly anomaly as a share of what a day of the series costs: a smaller one is not worth an alert.</summary>
    public double MinimumHourlyShareOfDay { get; set; } = 0.08;

    /// <summary>The least impact of a daily anomaly as a share of what a day of the series costs.</summary>
    public double MinimumDailyShareOfDay { get; set; } = 0.20;

    /// <summary>The cost floor of an anomaly: the larger of the fixed floor and the share of a typical day of its series.</summary>
    public decimal MinimumImpact(AnomalyGranularity granularity, decimal typicalDay) => granularity == AnomalyGranularity.Hour
        ? Math.Max(MinimumHourlyImpact, (decimal)MinimumHourlyShareOfDay * typicalDay)
        : Math.Max(MinimumDailyImpact, (decimal)MinimumDailyShareOfDay * typicalDay);

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

        if (!double.IsFinite(Threshold) || Threshold <= 0 || !double.IsFinite(HourlyThreshold) || HourlyThreshold <= 0)
        {
            throw new InvalidOperationException($"{Section}:Threshold and HourlyThreshold must be positive numbers (have {Threshold}, {HourlyThreshold})");
        }

        if (!double.IsFinite(MinimumActiveHourShare) || MinimumActiveHourShare is < 0 or > 1)
        {
            throw new InvalidOperationException($"{Section}:MinimumActiveHourShare {MinimumActiveHourShare} is outside 0..1");
        }

        if (!double.IsFinite(MinimumRelativeSpread) || MinimumRelativeSpread is < 0 or > 1)
        {
            throw new InvalidOperationException($"{Section}:MinimumRelativeSpread {MinimumRelativeSpread} is outside 0..1");
        }

        if (!double.IsFinite(MinimumHourlyShareOfDay) || MinimumHourlyShareOfDay is < 0 or > 1 || !double.IsFinite(MinimumDailyShareOfDay) || MinimumDailyShareOfDay is < 0 or > 1)
        {
            throw new InvalidOperationException(
                $"{Section}:MinimumHourlyShareOfDay and MinimumDailyShareOfDay must be within 0..1 (have {MinimumHourlyShareOfDay}, {MinimumDailyShareOfDay})");
        }

        if (MinimumHourlyImpact < 0 || MinimumDailyImpact < 0)
        {
            throw new InvalidOperationException(
                $"{Section}:MinimumHourlyImpact and MinimumDailyImpact must not be negative (have {MinimumHourlyImpact}, {MinimumDailyImpact})");
        }
    }
}
