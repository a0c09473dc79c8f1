namespace TrueCost.Ledger.Governance;

/// <summary>
/// Daily cost as level + slope × days, times a factor per day of week, fitted robustly so a spike or two in the
/// history do not bend it:
/// <list type="bullet">
/// <item>day-of-week factors: per weekday, the median ratio of a day to the mean of the 7 days centred on it (from two
/// weeks of history; 1 before);</item>
/// <item>slope: the Theil–Sen slope of the weekly medians of the deseasonalised days (from three weeks; 0 before);</item>
/// <item>level: the median of the last 7 deseasonalised days, each moved along the slope to the last day.</item>
/// </list>
/// A day's forecast is never negative.
/// </summary>
internal sealed class DailyTrendModel
{
    private const int Week = 7;

    private readonly double[] _factors;
    private readonly double _level;
    private readonly double _slope;
    private readonly int _nextWeekday;

    private DailyTrendModel(double[] factors, double level, double slope, int nextWeekday)
    {
        (_factors, _level, _slope, _nextWeekday) = (factors, level, slope, nextWeekday);
    }

    /// <param name="days">The cost of consecutive days, oldest first.</param>
    /// <param name="firstWeekday">The day of week of <paramref name="days"/>[0], 0 = Sunday.</param>
    public static DailyTrendModel Fit(ReadOnlySpan<double> days, int firstWeekday)
    {
        var nextWeekday = (firstWeekday + days.Length) % Week;
        var factors = WeekdayFactors(days, firstWeekday);
        var deseasonalised = new double[days.Length];
        for (var i = 0; i < days.Length; i++)
        {
            var factor = factors[(firstWeekday + i) % Week];
            deseasonalised[i] = factor > 0 ? days[i] / factor : double.NaN;
        }

        var slope = WeeklySlope(deseasonalised);
        var recent = new List<double>(Week);
        for (var i = days.Length - 1; i >= Math.Max(0, days.Length - Week); i--)
        {
            if (!double.IsNaN(deseasonalised[i]))
            {
                recent.Add(deseasonalised[i] + (slope * (days.Length - 1 - i)));
            }
        }

        var level = recent.Count == 0 ? 0 : RobustStatistics.Median(recent.ToArray());
        return new DailyTrendModel(factors, level, slope, nextWeekday);
    }

    /// <summary>The expected cost of the <paramref name="horizon"/> days after the history.</summary>
    public double[] Path(int horizon)
    {
        var path = new double[horizon];
        for (var h = 0; h < horizon; h++)
        {
            path[h] = Math.Max(0, _level + (_slope * (h + 1))) * _factors[(_nextWeekday + h) % Week];
        }

        return path;
    }

    private static double[] WeekdayFactors(ReadOnlySpan<double> days, int firstWeekday)
    {
        var factors = new double[Week];
        Array.Fill(factors, 1.0);
        if (days.Length < 2 * Week)
        {
            return factors;
        }

        var ratios = new List<double>[Week];
        for (var w = 0; w < Week; w++)
        {
            ratios[w] = [];
        }

        for (var i = Week / 2; i < days.Length - (Week / 2); i++)
        {
            var mean = 0.0;
            foreach (var day in days.Slice(i - (Week / 2), Week))
            {
                mean += day / Week;
            }

            if (mean > 0)
            {
                ratios[(firstWeekday + i) % Week].Add(days[i] / mean);
            }
        }

        for (var w = 0; w < Week; w++)
        {
            factors[w] = ratios[w].Count == 0 ? 1.0 : RobustStatistics.Median(ratios[w].ToArray());
        }

        var average = factors.Average();
        return average > 0 ? Array.ConvertAll(factors, f => f / average) : factors;
    }

    /// <summary>Per day: the Theil–Sen slope of the medians of whole weeks counted back from the last day.</summary>
    private static double WeeklySlope(double[] deseasonalised)
    {
        var weeks = deseasonalised.Length / Week;
        if (weeks < 3)
        {
            return 0;
        }

        var medians = new List<double>(weeks);
        for (var w = weeks - 1; w >= 0; w--)
        {
            var week = deseasonalised.AsSpan(deseasonalised.Length - ((w + 1) * Week), Week).ToArray().Where(v => !double.IsNaN(v)).ToArray();
            if (week.Length > 0)
            {
                medians.Add(RobustStatistics.Median(week));
            }
        }

        return RobustStatistics.TheilSenSlope(medians.ToArray()) / Week;
    }
}
