namespace TrueCost.Ledger.Governance;

/// <summary>
/// Forecasts daily cost (<see cref="DailyTrendModel"/>: weekly seasonality, a robust level and slope) with a band
/// taken from the model's own record: it is refitted at every earlier day of the history as if that day were
/// today, and the band is the middle <see cref="ForecastOptions.Coverage"/> of the relative errors it then made
/// over the same horizon (for a month-end, over the same number of remaining days). With under two weeks of such
/// backtests the band is the spread of the recent days around their level instead, wider by design. Backtests
/// reach back twice <see cref="ForecastOptions.HistoryDays"/>: more of them make the band's tails steadier.
/// </summary>
public static class CostForecaster
{
    /// <summary>The fewest days a backtest origin is fitted on.</summary>
    private const int MinimumFitDays = 14;

    /// <summary>The fewest backtest errors a band is read from.</summary>
    private const int MinimumBacktests = 14;

    /// <summary>The days after the last of <paramref name="daily"/> (daily[i] is the cost of firstDay + i).</summary>
    public static IReadOnlyList<ForecastPoint> Forecast(IReadOnlyList<decimal> daily, DateOnly firstDay, int horizonDays, ForecastOptions options)
    {
        ArgumentNullException.ThrowIfNull(daily);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(horizonDays);
        options.Validate();
        var history = daily.Select(d => (double)d).ToArray();
        var path = Fit(history, firstDay, history.Length, options).Path(horizonDays);
        var points = new ForecastPoint[horizonDays];
        for (var h = 0; h < horizonDays; h++)
        {
            var step = h;
            var (low, high) = Band(history, firstDay, options, h + 1, (actual, forecast) => (actual[step], forecast[step]));
            points[h] = Point(firstDay.AddDays(history.Length + h), path[h], low, high);
        }

        return points;
    }

    /// <summary>
    /// Where the month of the last complete day (the day before <paramref name="asOf"/>) will end: its complete days
    /// plus the forecast of its remaining ones. Days of <paramref name="daily"/> from <paramref name="asOf"/> on are
    /// ignored (today's partial cost); on the first day of a month it is the month just ended, at its actual cost.
    /// </summary>
    public static MonthEndForecast MonthEnd(IReadOnlyList<decimal> daily, DateOnly firstDay, DateOnly asOf, ForecastOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var (history, month, toDate, remaining) = MonthPosition(daily, firstDay, asOf);
        if (remaining == 0)
        {
            return new MonthEndForecast(month, asOf, toDate, toDate, toDate, toDate);
        }

        var values = history.Select(d => (double)d).ToArray();
        var rest = Fit(values, firstDay, values.Length, options).Path(remaining).Sum();
        var (low, high) = Band(values, firstDay, options, remaining, (actual, forecast) => (actual.Sum(), forecast.Sum()));
        var point = Point(asOf, rest, low, high);
        return new MonthEndForecast(month, asOf, toDate, toDate + point.Expected, toDate + point.Low, toDate + point.High);
    }

    /// <summary>The complete days, the month of the last one, its cost so far and how many of its days remain.</summary>
    internal static (decimal[] History, DateOnly Month, decimal ToDate, int Remaining) MonthPosition(IReadOnlyList<decimal> daily, DateOnly firstDay, DateOnly asOf)
    {
        ArgumentNullException.ThrowIfNull(daily);
        var complete = asOf.DayNumber - firstDay.DayNumber;
        if (complete < 0 || complete > daily.Count)
        {
            throw new ArgumentException(
                $"as of {asOf:yyyy-MM-dd} the days from {firstDay:yyyy-MM-dd} to {asOf.AddDays(-1):yyyy-MM-dd} are complete, but the series has {daily.Count} days from {firstDay:yyyy-MM-dd}",
                nameof(asOf));
        }

        var last = asOf.AddDays(-1);
        var month = new DateOnly(last.Year, last.Month, 1);
        var history = daily.Take(complete).ToArray();
        var toDate = 0m;
        for (var day = Math.Max(month.DayNumber, firstDay.DayNumber); day < asOf.DayNumber; day++)
        {
            toDate += history[day - firstDay.DayNumber];
        }

        var remaining = month.AddMonths(1).DayNumber - asOf.DayNumber;
        return (history, month, toDate, remaining);
    }

    private static DailyTrendModel Fit(double[] history, DateOnly firstDay, int end, ForecastOptions options)
    {
        var start = Math.Max(0, end - options.HistoryDays);
        return DailyTrendModel.Fit(history.AsSpan(start, end - start), (int)firstDay.AddDays(start).DayOfWeek);
    }

    /// <summary>
    /// The relative band, (low, high) around 1, of what <paramref name="measure"/> reads from the actual and the
    /// forecast days of every backtest of <paramref name="horizon"/> days within the last 2 × HistoryDays.
    /// </summary>
    private static (double Low, double High) Band(
        double[] history, DateOnly firstDay, ForecastOptions options, int horizon, Func<double[], double[], (double Actual, double Forecast)> measure)
    {
        var errors = new List<double>();
        for (var origin = Math.Max(MinimumFitDays, history.Length - (2 * options.HistoryDays)); origin + horizon <= history.Length; origin++)
        {
            var (actual, forecast) = measure(history[origin..(origin + horizon)], Fit(history, firstDay, origin, options).Path(horizon));
            if (forecast > 0)
            {
                errors.Add(actual / forecast);
            }
        }

        var tail = (1 - options.Coverage) / 2;
        if (errors.Count < MinimumBacktests)
        {
            errors = RecentDispersion(history);
        }

        if (errors.Count == 0)
        {
            return (0, 2);
        }

        var ratios = errors.ToArray();
        return (RobustStatistics.Quantile(ratios, tail), RobustStatistics.Quantile(ratios, 1 - tail));
    }

    /// <summary>Each of the last four weeks' days relative to their median: a day's noise and some of the level's.</summary>
    private static List<double> RecentDispersion(double[] history)
    {
        var recent = history[Math.Max(0, history.Length - 28)..];
        var median = RobustStatistics.Median(recent.ToArray());
        return median > 0 ? [.. recent.Select(d => d / median)] : [];
    }

    private static ForecastPoint Point(DateOnly day, double expected, double low, double high)
    {
        var center = Math.Round((decimal)expected, 2);
        return new ForecastPoint(day, center, Math.Min(center, Math.Round((decimal)(expected * low), 2)), Math.Max(center, Math.Round((decimal)(expected * high), 2)));
    }
}
