using TrueCost.Ledger.Governance;

namespace TrueCost.UnitTests.Governance;

public class CostForecasterTests
{
    private static readonly DateOnly January = new(2026, 1, 1);
    private static readonly ForecastOptions Options = new();

    /// <summary>Days from 1 January at 100 a weekday growing by 1 a day, weekends at half, with ±5 % seeded noise.</summary>
    private static decimal[] Growing(int days)
    {
        var random = new Random(3);
        return [.. Enumerable.Range(0, days).Select(d =>
        {
            var weekend = January.AddDays(d).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.5 : 1;
            return Math.Round((decimal)((100 + d) * weekend * (0.95 + (0.1 * random.NextDouble()))), 2);
        })];
    }

    [Fact]
    public void A_weekly_pattern_with_growth_is_forecast_within_a_few_percent()
    {
        var truth = Growing(90);

        var forecast = CostForecaster.Forecast(truth[..70], January, 20, Options);

        Assert.Equal(January.AddDays(70), forecast[0].Day);
        var error = Math.Abs(forecast.Sum(p => p.Expected) - truth[70..].Sum()) / truth[70..].Sum();
        Assert.True(error < 0.03m, $"error {error:P1}");
    }

    [Fact]
    public void Every_band_contains_its_expected_value()
    {
        var forecast = CostForecaster.Forecast(Growing(60), January, 30, Options);

        Assert.All(forecast, p => Assert.True(p.Low <= p.Expected && p.Expected <= p.High && p.Low >= 0, $"{p}"));
    }

    [Fact]
    public void A_month_end_adds_the_forecast_of_the_remaining_days_to_the_actual_to_date()
    {
        var days = Growing(90);
        var asOf = new DateOnly(2026, 3, 10);

        var monthEnd = CostForecaster.MonthEnd(days, January, asOf, Options);

        Assert.Equal(new DateOnly(2026, 3, 1), monthEnd.Month);
        Assert.Equal(days[59..68].Sum(), monthEnd.ActualToDate);
        Assert.True(monthEnd.Low <= monthEnd.Expected && monthEnd.Expected <= monthEnd.High);
        var actual = days[59..90].Sum();
        Assert.True(Math.Abs(monthEnd.Expected - actual) / actual < 0.03m, $"{monthEnd} vs {actual}");
    }

    [Fact]
    public void A_month_whose_days_are_all_complete_ends_at_its_actual_cost()
    {
        var days = Growing(59);

        var monthEnd = CostForecaster.MonthEnd(days, January, new DateOnly(2026, 3, 1), Options);

        Assert.Equal(new DateOnly(2026, 2, 1), monthEnd.Month);
        Assert.Equal(days[31..59].Sum(), monthEnd.Expected);
        Assert.Equal((monthEnd.Expected, monthEnd.Expected), (monthEnd.Low, monthEnd.High));
    }

    [Fact]
    public void Days_from_the_as_of_day_on_are_ignored()
    {
        var days = Growing(75);
        var asOf = new DateOnly(2026, 3, 10);

        Assert.Equal(CostForecaster.MonthEnd(days[..68], January, asOf, Options), CostForecaster.MonthEnd(days, January, asOf, Options));
    }

    [Fact]
    public void A_few_days_of_history_still_give_a_forecast_with_a_band()
    {
        var monthEnd = CostForecaster.MonthEnd(Growing(5), January, new DateOnly(2026, 1, 6), Options);

        Assert.InRange(monthEnd.Expected, monthEnd.ActualToDate + 1_000m, monthEnd.ActualToDate + 5_000m);
        Assert.True(monthEnd.Low < monthEnd.Expected && monthEnd.Expected < monthEnd.High);
    }

    [Fact]
    public void A_series_of_zeros_forecasts_zero()
    {
        var monthEnd = CostForecaster.MonthEnd(new decimal[40], January, new DateOnly(2026, 2, 10), Options);

        Assert.Equal((0m, 0m, 0m), (monthEnd.Expected, monthEnd.Low, monthEnd.High));
    }

    [Fact]
    public void A_spike_in_the_history_barely_moves_the_forecast()
    {
        var days = Growing(60);
        var spiked = (decimal[])days.Clone();
        spiked[55] *= 10;

        var clean = CostForecaster.Forecast(days, January, 10, Options).Sum(p => p.Expected);
        var withSpike = CostForecaster.Forecast(spiked, January, 10, Options).Sum(p => p.Expected);

        Assert.True(Math.Abs(withSpike - clean) / clean < 0.03m, $"{withSpike} vs {clean}");
    }

    [Fact]
    public void Seasonal_naive_repeats_the_last_complete_week()
    {
        var days = Growing(40);
        var asOf = new DateOnly(2026, 2, 10);

        var naive = SeasonalNaive.MonthEnd(days, January, asOf, Options);

        var lastWeek = days[33..40];
        var rest = Enumerable.Range(0, 19).Sum(h => lastWeek[h % 7]);
        Assert.Equal(days[31..40].Sum() + rest, naive.Expected);
    }

    [Fact]
    public void An_as_of_day_beyond_the_data_is_refused()
    {
        Assert.Throws<ArgumentException>(() => CostForecaster.MonthEnd(Growing(10), January, new DateOnly(2026, 1, 20), Options));
    }
}
