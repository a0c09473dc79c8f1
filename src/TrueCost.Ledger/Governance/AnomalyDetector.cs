using TrueCost.Ledger.Time;

namespace TrueCost.Ledger.Governance;

/// <summary>
/// Finds cost spikes in a series, on its hours and on its UTC days (summed from the hours), against a baseline
/// that knows the hour of week (day of week), follows growth and level shifts, and shrugs off past spikes
/// (<see cref="SeasonalBaseline"/>). A period is anomalous when its log residual reaches
/// <see cref="AnomalyOptions.HourlyThreshold"/> (<see cref="AnomalyOptions.Threshold"/> for days) robust standard
/// deviations, alone or as part of a window of 3, 6 or 12 hours (3 days) that does as a whole; consecutive anomalous
/// periods are one <see cref="Anomaly"/>, reported when its impact reaches the cost floor of its granularity
/// (<see cref="AnomalyOptions.MinimumImpact"/>).
/// <para>
/// Only spikes are reported: a drop saves money and is not what budgets and alerts guard against (an outage has
/// its own monitoring), so <see cref="Anomaly.Impact"/> is always positive. A period is judged only from its
/// series' <see cref="AnomalyOptions.MinimumHistoryWeeks"/>th week on: a younger series has no anomalies. Days are
/// judged once complete, so a series that starts or ends inside a UTC day leaves that day out, and a daily
/// anomaly is open when it reaches the last complete day.
/// </para>
/// <para>
/// No period is judged on data after it, except that a window ending at a later period can add the periods
/// before it (at most 11 hours, 2 days) to an anomaly: a run still within that reach may grow at its start as well
/// as its end, so an alert should recognise an anomaly again by key and overlap, not by its exact start. Data
/// beyond that reach never changes it.
/// </para>
/// </summary>
public static class AnomalyDetector
{
    /// <summary>Lengths of the runs of hours (days) scored as a whole besides each hour (day) alone.</summary>
    private static readonly int[] HourWindows = [3, 6, 12];
    private static readonly int[] DayWindows = [3];

    /// <summary>
    /// An hour of an anomalous window is part of the anomaly when it is at least this far above its own expected cost,
    /// not a neighbour that merely came out at its expected cost. Low on purpose: each hour of a long moderate spike is
    /// only one or two spreads high, and leaving those hours out cut the anomaly's impact below the cost floor.
    /// </summary>
    private const double MinimumHourScoreInWindow = 0.5;

    /// <summary>A day of an anomalous window of days is part of the anomaly when it is at least this far above its own expected cost, not a neighbour that merely came out a little high.</summary>
    private const double MinimumDayScoreInWindow = 2.0;

    /// <summary>The anomalies of both granularities that start at or after <paramref name="from"/>, by start.</summary>
    public static IReadOnlyList<Anomaly> Detect(CostSeries series, DateTimeOffset from, AnomalyOptions options)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (UtcHour.Floor(series.Start) != series.Start)
        {
            throw new ArgumentException($"series {series.Key} starts at {series.Start:O}, not on a UTC hour", nameof(series));
        }

        var start = series.Start.ToUniversalTime();
        var hours = series.Hourly.ToArray();
        var firstMidnight = (24 - start.Hour) % 24;
        var days = new decimal[Math.Max(0, (hours.Length - firstMidnight) / 24)];
        for (var day = 0; day < days.Length; day++)
        {
            days[day] = hours.AsSpan(firstMidnight + (day * 24), 24).ToArray().Sum();
        }

        var hourly = Runs(series.Key, AnomalyGranularity.Hour, start, UtcHour.Length, hours, start.Hour, options);
        var daily = Runs(series.Key, AnomalyGranularity.Day, start.AddHours(firstMidnight), TimeSpan.FromDays(1), days, 0, options);
        return [.. hourly.Concat(daily).Where(a => a.Start >= from).OrderBy(a => a.Start).ThenBy(a => a.Granularity)];
    }

    private static List<Anomaly> Runs(
        SeriesKey key, AnomalyGranularity granularity, DateTimeOffset start, TimeSpan period, decimal[] costs, int firstPeriodOfDay, AnomalyOptions options)
    {
        var values = Array.ConvertAll(costs, c => (double)c);
        var hourly = granularity == AnomalyGranularity.Hour;
        var fit = SeasonalBaseline.Fit(values, hourly ? 24 : 1, firstPeriodOfDay, hourly ? HourWindows : DayWindows, options);
        var scores = hourly
            ? Scores(fit, values, options.HourlyThreshold, MinimumHourScoreInWindow, ActiveHours(values, options))
            : Scores(fit, values, options.Threshold, MinimumDayScoreInWindow, judged: null);
        var anomalies = new List<Anomaly>();
        var i = fit.FirstJudged;
        while (i < values.Length)
        {
            if (double.IsNaN(scores[i]))
            {
                i++;
                continue;
            }

            var (first, peak, score, actual, expected) = (i, i, 0.0, 0m, 0.0);
            for (; i < values.Length && !double.IsNaN(scores[i]); i++)
            {
                peak = values[i] - fit.Expected(i) > values[peak] - fit.Expected(peak) ? i : peak;
                score = Math.Max(score, scores[i]);
                actual += costs[i];
                expected += fit.Expected(i);
            }

            var expectedCost = Math.Round((decimal)expected, 2);
            var impact = Math.Round(actual - expectedCost, 2);
            if (impact >= options.MinimumImpact(granularity, (decimal)fit.TypicalDay(first)))
            {
                anomalies.Add(new Anomaly(
                    key, granularity, start + (first * period), start + (i * period), start + (peak * period),
                    actual, expectedCost, impact, score, Open: i == values.Length));
            }
        }

        return anomalies;
    }

    /// <summary>
    /// Which hours are judged hourly: those whose lookback had cost in at least <see cref="AnomalyOptions.MinimumActiveHourShare"/>
    /// of its hours. A series that is idle most hours (a small tenant's few requests a day, each carrying its hour's share
    /// of the shared costs) has an expected cost of nothing in most hours, so any hour with a request would read as a spike;
    /// such a series is judged on its days only.
    /// </summary>
    private static bool[] ActiveHours(double[] values, AnomalyOptions options)
    {
        var lookback = options.LookbackWeeks * 7 * 24;
        var judged = new bool[values.Length];
        var active = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var from = Math.Max(0, i - lookback);
            judged[i] = i > 0 && active >= options.MinimumActiveHourShare * (i - from);
            active += values[i] > 0 ? 1 : 0;
            active -= i - lookback >= 0 && values[i - lookback] > 0 ? 1 : 0;
        }

        return judged;
    }

    /// <summary>
    /// The score of each anomalous period (NaN: not anomalous): a period above its expected cost whose own z, or the z
    /// of a window it belongs to (when its own z is at least <paramref name="minimumInWindow"/>), reaches the
    /// <paramref name="threshold"/>; the largest of those z. Only the periods <paramref name="judged"/> (all when null) are scored or marked.
    /// </summary>
    private static double[] Scores(SeasonalBaseline fit, double[] values, double threshold, double minimumInWindow, bool[]? judged)
    {
        var scores = new double[values.Length];
        Array.Fill(scores, double.NaN);
        var bar = (threshold, minimumInWindow, judged);
        for (var i = fit.FirstJudged; i < values.Length; i++)
        {
            if (judged is not null && !judged[i])
            {
                continue;
            }

            Mark(fit, values, scores, (i, i), fit.Score(i), bar);
            for (var w = 0; w < fit.Windows.Length; w++)
            {
                var first = i - fit.Windows[w] + 1;
                if (first >= fit.FirstJudged)
                {
                    Mark(fit, values, scores, (first, i), fit.WindowScore(w, i), bar);
                }
            }
        }

        return scores;
    }

    private static void Mark(
        SeasonalBaseline fit, double[] values, double[] scores, (int First, int Last) window, double score, (double Threshold, double MinimumInWindow, bool[]? Judged) bar)
    {
        if (!(score >= bar.Threshold))
        {
            return;
        }

        for (var i = window.First; i <= window.Last; i++)
        {
            if ((bar.Judged is null || bar.Judged[i]) && values[i] > fit.Expected(i) && fit.Score(i) >= bar.MinimumInWindow && !(scores[i] >= score))
            {
                scores[i] = score;
            }
        }
    }
}
