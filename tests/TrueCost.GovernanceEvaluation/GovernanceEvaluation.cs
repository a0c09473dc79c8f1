using TrueCost.Ledger.Governance;

namespace TrueCost.GovernanceEvaluation;

/// <summary>How one granularity of the detector did: recall of the injected anomalies it is meant to catch, false alarms on clean data, impact error.</summary>
public sealed record DetectionFigures(
    int Eligible, int Detected, int FalseAlarms, double FalseAlarmsPer100SeriesWeeks, double MeanImpactError, int BurstyEligible, int BurstyDetected)
{
    public double Recall => Eligible == 0 ? 0 : (double)Detected / Eligible;

    /// <summary>Recall on the series that are not <see cref="KnownTruthSeries.Bursty"/>.</summary>
    public double OrdinaryRecall => Eligible == BurstyEligible ? 0 : (double)(Detected - BurstyDetected) / (Eligible - BurstyEligible);

    public double BurstyRecall => BurstyEligible == 0 ? 0 : (double)BurstyDetected / BurstyEligible;
}

/// <summary>How the month-end forecasts did: MAPE by as-of day of month and overall, seasonal-naive's MAPE, band coverage.</summary>
public sealed record ForecastFigures(int SeriesMonths, int Forecasts, IReadOnlyDictionary<int, double> MapeByAsOfDay, double Mape, double NaiveMape, double Coverage);

/// <param name="Ceiling">What an oracle that knows each hour's true expected cost finds of the hourly anomalies at the same false-alarm rate (<see cref="OracleCeiling"/>).</param>
public sealed record GovernanceFigures(int Series, double Weeks, DetectionFigures Hourly, DetectionFigures Daily, ForecastFigures Forecast, CeilingFigures Ceiling);

/// <summary>
/// Runs <see cref="AnomalyDetector"/> and <see cref="CostForecaster"/> over known-truth histories and scores them.
/// <para>
/// Detection is scored from the fifth week on (a full lookback). An injected anomaly is one the hourly detector
/// must catch when its true impact reaches <see cref="AnomalyOptions.MinimumHourlyImpact"/>; the daily detector
/// when it reaches <see cref="AnomalyOptions.MinimumDailyImpact"/> and adds at least half of the expected cost of the
/// day(s) it touches (the injection's smallest size, +50 %, applied to the day: a one-hour spike on a busy day is the
/// hourly detector's to catch). It is caught when an anomaly of that granularity overlaps it. A false alarm is an
/// anomaly in the clean history, except within the first <see cref="OnboardingDays"/> days of a level shift: a
/// tenant onboarding is a real change worth one alert, not a false one.
/// </para>
/// <para>
/// Forecasts are scored on the histories with anomalies (months with spikes in them), for each whole month with
/// eight weeks before it, as of every day from the 10th to the day before the last; MAPE is the mean absolute error
/// of the month-end over its actual cost.
/// </para>
/// </summary>
public static class GovernanceEvaluation
{
    public const int OnboardingDays = 3;

    public const int DefaultSeries = 240;

    public const int DefaultSeed = 14;

    /// <summary>The as-of days of month whose MAPE is shown on its own.</summary>
    public static readonly int[] ReportedAsOfDays = [10, 15, 20, 25];

    private const int FirstAsOfDay = 10;

    private const int ScoredFromWeek = 4;

    public static GovernanceFigures Run(int series = DefaultSeries, int seed = DefaultSeed) =>
        Run(KnownTruthHistory.Generate(series, seed, KnownTruthHistory.DefaultStart, KnownTruthHistory.DefaultDays), new AnomalyOptions(), new ForecastOptions());

    public static GovernanceFigures Run(IReadOnlyList<KnownTruthSeries> histories, AnomalyOptions anomalies, ForecastOptions forecast)
    {
        ArgumentNullException.ThrowIfNull(histories);
        var scored = histories.Select(h => new ScoredSeries(h, anomalies)).ToArray();
        Parallel.ForEach(scored, s => s.Detect());
        var weeks = histories.Count == 0 ? 0 : ((histories[0].Clean.Length / 24.0) - (ScoredFromWeek * 7)) / 7;
        var seriesWeeks = histories.Count * weeks / 100;
        return new GovernanceFigures(
            histories.Count,
            weeks,
            Detection(scored, AnomalyGranularity.Hour, seriesWeeks),
            Detection(scored, AnomalyGranularity.Day, seriesWeeks),
            Forecasts(histories, forecast),
            OracleCeiling.Run(
                histories,
                h => h.Anomalies.Where(a => a.Start >= h.Start.AddDays(ScoredFromWeek * 7) && MustCatch(h, a, AnomalyGranularity.Hour, anomalies)),
                ScoredFromWeek * 7 * 24,
                (int)Math.Floor(seriesWeeks)));
    }

    private static DetectionFigures Detection(ScoredSeries[] scored, AnomalyGranularity granularity, double hundredSeriesWeeks)
    {
        var outcomes = scored.SelectMany(s => s.Outcomes(granularity).Select(o => (o.Injected, o.Found, s.Bursty))).ToArray();
        var detected = outcomes.Where(o => o.Found is not null).ToArray();
        var falseAlarms = scored.Sum(s => s.FalseAlarms(granularity));
        return new DetectionFigures(
            outcomes.Length,
            detected.Length,
            falseAlarms,
            hundredSeriesWeeks == 0 ? 0 : falseAlarms / hundredSeriesWeeks,
            detected.Length == 0 ? 0 : detected.Average(o => (double)Math.Abs(o.Found!.Value - o.Injected.Impact) / (double)o.Injected.Impact),
            outcomes.Count(o => o.Bursty),
            detected.Count(o => o.Bursty));
    }

    private static ForecastFigures Forecasts(IReadOnlyList<KnownTruthSeries> histories, ForecastOptions options)
    {
        var months = histories.SelectMany(h => MonthsOf(h, options)).ToArray();
        var results = new List<MonthEndResult>[months.Length];
        Parallel.For(0, months.Length, i => results[i] = months[i].Score(options));
        var all = results.SelectMany(r => r).ToArray();
        var byDay = ReportedAsOfDays.ToDictionary(d => d, d => all.Where(r => r.AsOfDay == d).Select(r => r.Error).DefaultIfEmpty().Average());
        return new ForecastFigures(
            months.Length,
            all.Length,
            byDay,
            all.Select(r => r.Error).DefaultIfEmpty().Average(),
            all.Select(r => r.NaiveError).DefaultIfEmpty().Average(),
            all.Select(r => r.Covered ? 1.0 : 0.0).DefaultIfEmpty().Average());
    }

    private static IEnumerable<ForecastMonth> MonthsOf(KnownTruthSeries history, ForecastOptions options)
    {
        var firstDay = DateOnly.FromDateTime(history.Start.UtcDateTime);
        var daily = history.Injected.Chunk(24).Where(d => d.Length == 24).Select(d => d.Sum()).ToArray();
        var lastDay = firstDay.AddDays(daily.Length - 1);
        for (var month = new DateOnly(firstDay.Year, firstDay.Month, 1).AddMonths(1); month.AddMonths(1).AddDays(-1) <= lastDay; month = month.AddMonths(1))
        {
            if (month.DayNumber - firstDay.DayNumber >= options.HistoryDays)
            {
                yield return new ForecastMonth(daily, firstDay, month);
            }
        }
    }

    /// <summary>Whether the detector of <paramref name="granularity"/> must catch an injected anomaly (see the class summary).</summary>
    private static bool MustCatch(KnownTruthSeries history, InjectedAnomaly anomaly, AnomalyGranularity granularity, AnomalyOptions options)
    {
        var first = (int)(anomaly.Start - history.Start).TotalDays;
        var typicalDay = history.Truth.AsSpan((first - 7) * 24, 7 * 24).ToArray().Sum() / 7;
        if (anomaly.Impact < options.MinimumImpact(granularity, (decimal)typicalDay))
        {
            return false;
        }

        var last = (int)(anomaly.End.AddTicks(-1) - history.Start).TotalDays;
        var expected = history.Truth.AsSpan(first * 24, (last - first + 1) * 24).ToArray().Sum();
        return granularity == AnomalyGranularity.Hour || (double)anomaly.Impact >= 0.5 * expected;
    }

    private sealed record MonthEndResult(int AsOfDay, double Error, double NaiveError, bool Covered);

    private sealed record ForecastMonth(decimal[] Daily, DateOnly FirstDay, DateOnly Month)
    {
        public List<MonthEndResult> Score(ForecastOptions options)
        {
            var start = Month.DayNumber - FirstDay.DayNumber;
            var days = Month.AddMonths(1).DayNumber - Month.DayNumber;
            var actual = Daily.AsSpan(start, days).ToArray().Sum();
            var results = new List<MonthEndResult>();
            if (actual <= 0)
            {
                return results;
            }

            for (var day = FirstAsOfDay; day < days; day++)
            {
                var asOf = Month.AddDays(day - 1);
                var forecast = CostForecaster.MonthEnd(Daily, FirstDay, asOf, options);
                var naive = SeasonalNaive.MonthEnd(Daily, FirstDay, asOf, options);
                results.Add(new MonthEndResult(
                    day,
                    (double)(Math.Abs(forecast.Expected - actual) / actual),
                    (double)(Math.Abs(naive.Expected - actual) / actual),
                    forecast.Low <= actual && actual <= forecast.High));
            }

            return results;
        }
    }

    /// <summary>One history's anomalies, clean and with injections, and how they match the truth.</summary>
    private sealed class ScoredSeries(KnownTruthSeries history, AnomalyOptions options)
    {
        private readonly DateTimeOffset _from = history.Start.AddDays(ScoredFromWeek * 7);
        private IReadOnlyList<Anomaly> _clean = [];
        private IReadOnlyList<Anomaly> _injected = [];

        public bool Bursty => history.Bursty;

        public void Detect()
        {
            _clean = AnomalyDetector.Detect(history.CleanSeries, _from, options);
            _injected = AnomalyDetector.Detect(history.InjectedSeries, _from, options);
        }

        /// <summary>Each injected anomaly this granularity must catch, with the summed impact of the anomalies that overlap it (null: missed).</summary>
        public IEnumerable<(InjectedAnomaly Injected, decimal? Found)> Outcomes(AnomalyGranularity granularity)
        {
            foreach (var injected in history.Anomalies.Where(a => a.Start >= _from && MustCatch(history, a, granularity, options)))
            {
                var found = _injected.Where(a => a.Granularity == granularity && a.Start < injected.End && injected.Start < a.End).ToArray();
                yield return (injected, found.Length == 0 ? null : found.Sum(a => a.Impact));
            }
        }

        public int FalseAlarms(AnomalyGranularity granularity) =>
            _clean.Count(a => a.Granularity == granularity && !(history.LevelShift is { } shift && a.Start < shift.AddDays(OnboardingDays) && shift < a.End));
    }
}
