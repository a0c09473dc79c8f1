namespace TrueCost.Ledger.Governance;

/// <summary>
/// The baseline a forecaster has to beat: every remaining day of the month costs what the same weekday cost one
/// week earlier (the last complete week repeated). It has no band: Low and High equal Expected.
/// </summary>
public static class SeasonalNaive
{
    /// <summary>Same month and days as <see cref="CostForecaster.MonthEnd"/>.</summary>
    public static MonthEndForecast MonthEnd(IReadOnlyList<decimal> daily, DateOnly firstDay, DateOnly asOf, ForecastOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (history, month, toDate, remaining) = CostForecaster.MonthPosition(daily, firstDay, asOf);
        var expected = toDate;
        for (var h = 0; h < remaining; h++)
        {
            var sameWeekday = history.Length + h - (7 * ((h / 7) + 1));
            expected += sameWeekday >= 0 ? history[sameWeekday] : 0;
        }

        return new MonthEndForecast(month, asOf, toDate, expected, expected, expected);
    }
}
