using TrueCost.GovernanceEvaluation;

namespace TrueCost.UnitTests.Governance;

/// <summary>
/// Quality gates on known-truth histories (the evaluation `dotnet run --project tests/TrueCost.Benchmarks -- governance`
/// prints): 240 series over 21 weeks, injected spikes, level shifts, bursty series, and 720 series-months of month-end forecasts.
/// </summary>
public class GovernanceAccuracyTests
{
    private static readonly Lazy<GovernanceFigures> Figures = new(() => GovernanceEvaluation.GovernanceEvaluation.Run());

    [Fact]
    public void Daily_detection_finds_nine_in_ten_material_anomalies_with_under_one_false_alarm_per_100_series_weeks() =>
        AssertDetection(Figures.Value.Daily, eligible: 595, recall: 0.922, falseAlarms: 0.38);

    /// <summary>
    /// Recall is below the target of 90 % (82.3 % measured on this seed with 0.59 false alarms; 80.1 %, 81.7 % and
    /// 81.1 % on seeds 15 to 17, whose false alarms are 0.45, 0.52 and 0.36), and so is the oracle's (84 % to 86 %): these
    /// bounds hold the level reached on seed 14 so it cannot slip.
    /// </summary>
    [Fact]
    public void Hourly_detection_finds_eight_in_ten_material_anomalies_with_under_one_false_alarm_per_100_series_weeks() =>
        AssertDetection(Figures.Value.Hourly, eligible: 2_074, recall: 0.823, falseAlarms: 0.60);

    /// <summary>
    /// The oracle (<see cref="OracleCeiling"/>) reads the truth, so it must find more than the detector does, on ordinary
    /// series as a whole; and it stays within the false-alarm budget it was set to.
    /// </summary>
    [Fact]
    public void An_oracle_that_knows_the_true_expected_cost_finds_more_than_the_detector_within_the_same_false_alarm_budget()
    {
        var (ceiling, hourly) = (Figures.Value.Ceiling, Figures.Value.Hourly);

        Assert.Equal(hourly.Eligible, ceiling.Eligible);
        Assert.Equal(hourly.BurstyEligible, ceiling.BurstyEligible);
        Assert.True(ceiling.FalseAlarms <= (int)Math.Floor(Figures.Value.Series * Figures.Value.Weeks / 100), $"{ceiling.FalseAlarms} oracle false alarms");
        Assert.True(ceiling.OrdinaryRecall > hourly.OrdinaryRecall, $"oracle {ceiling.OrdinaryRecall:P1}, detector {hourly.OrdinaryRecall:P1} on ordinary series");
    }

    [Fact]
    public void Month_end_forecasts_are_within_ten_percent_and_beat_seasonal_naive()
    {
        var forecast = Figures.Value.Forecast;

        Assert.True(forecast.Forecasts >= 10_000, $"{forecast.Forecasts} forecasts");
        Assert.True(forecast.Mape <= 0.10, $"MAPE {forecast.Mape:P2}");
        Assert.True(forecast.Mape < forecast.NaiveMape, $"MAPE {forecast.Mape:P2}, seasonal naive {forecast.NaiveMape:P2}");
        Assert.True(forecast.Coverage >= 0.75, $"band coverage {forecast.Coverage:P1}");
    }

    private static void AssertDetection(DetectionFigures figures, int eligible, double recall, double falseAlarms)
    {
        Assert.True(figures.Eligible >= eligible, $"{figures.Eligible} anomalies to find");
        Assert.True(figures.Recall >= recall, $"recall {figures.Recall:P1}");
        Assert.True(figures.FalseAlarmsPer100SeriesWeeks <= falseAlarms, $"{figures.FalseAlarmsPer100SeriesWeeks:N2} false alarms per 100 series-weeks");
    }
}
