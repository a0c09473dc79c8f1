namespace TrueCost.GovernanceEvaluation;

/// <summary>How an oracle did on the hourly anomalies: its threshold, and what it found of all, of ordinary and of bursty series.</summary>
public sealed record CeilingFigures(double Threshold, int FalseAlarms, int Eligible, int Found, int BurstyEligible, int BurstyFound)
{
    public double Recall => Eligible == 0 ? 0 : (double)Found / Eligible;

    public double OrdinaryRecall => Eligible == BurstyEligible ? 0 : (double)(Found - BurstyFound) / (Eligible - BurstyEligible);

    public double BurstyRecall => BurstyEligible == 0 ? 0 : (double)BurstyFound / BurstyEligible;
}

/// <summary>
/// What a detector that knows the truth reaches at the evaluation's false-alarm rate: a reference for the hourly recall
/// target, not a method TrueCost could run, because it reads the noise-free expected cost of every hour.
/// <para>
/// An hour's residual is ln((cost + offset) / (true expected cost + offset)), the offset a tenth of the series' mean
/// hour as in the detector. Its variance is a + b / (true expected cost + offset), least squares on the clean history
/// before scoring starts: noise that is partly multiplicative, partly from how few requests make up the hour. A run of
/// 1 to 12 hours scores its inverse-variance weighted mean residual in standard deviations. The threshold is the lowest
/// at which no more series-weeks of the clean histories have a run reaching it than the false-alarm budget allows (one
/// alarm at most counted per series-week, which is lenient to the oracle); an injected anomaly is found when a run inside
/// it reaches the threshold.
/// </para>
/// </summary>
public static class OracleCeiling
{
    private const int LongestRun = 12;

    private const int HoursPerWeek = 168;

    private const double OffsetShareOfMeanHour = 0.10;

    /// <summary>The least variance of an hour's residual: a spread of 5 %, the detector's least relative spread.</summary>
    private const double LeastVariance = 0.05 * 0.05;

    /// <param name="histories">The known-truth series.</param>
    /// <param name="mustCatch">The injected anomalies of a series the hourly detector is scored on.</param>
    /// <param name="scoredFromHour">The first hour scored, in every series.</param>
    /// <param name="falseAlarms">How many false alarms the budget allows over all the clean histories.</param>
    public static CeilingFigures Run(
        IReadOnlyList<KnownTruthSeries> histories, Func<KnownTruthSeries, IEnumerable<InjectedAnomaly>> mustCatch, int scoredFromHour, int falseAlarms)
    {
        ArgumentNullException.ThrowIfNull(histories);
        ArgumentNullException.ThrowIfNull(mustCatch);
        var oracles = histories.Select(h => new Oracle(h, scoredFromHour)).ToArray();
        var weekly = new double[oracles.Length][];
        var found = new (bool Bursty, double Score)[oracles.Length][];
        Parallel.For(0, oracles.Length, i =>
        {
            var (oracle, history) = (oracles[i], histories[i]);
            weekly[i] = [.. Enumerable.Range(0, (history.Clean.Length - scoredFromHour + HoursPerWeek - 1) / HoursPerWeek)
                .Select(w => scoredFromHour + (w * HoursPerWeek))
                .Select(start => oracle.Best(history.Clean, start, Math.Min(start + HoursPerWeek, history.Clean.Length)))];
            found[i] = [.. mustCatch(history).Select(a => (history.Bursty, oracle.Best(history.Injected, oracle.Hour(a.Start), oracle.Hour(a.End))))];
        });

        var byScore = weekly.SelectMany(w => w).OrderByDescending(s => s).ToArray();
        var threshold = byScore.Length > falseAlarms ? byScore[falseAlarms] : 0;
        var spikes = found.SelectMany(f => f).ToArray();
        return new CeilingFigures(
            threshold,
            byScore.Count(s => s > threshold),
            spikes.Length,
            spikes.Count(s => s.Score > threshold),
            spikes.Count(s => s.Bursty),
            spikes.Count(s => s.Bursty && s.Score > threshold));
    }

    private sealed class Oracle
    {
        private readonly KnownTruthSeries _history;
        private readonly double _offset;
        private readonly double _floor;
        private readonly double _perRequest;

        public Oracle(KnownTruthSeries history, int fittedHours)
        {
            _history = history;
            _offset = OffsetShareOfMeanHour * history.Truth.Average();
            var (n, sx, sy, sxx, sxy) = (0, 0.0, 0.0, 0.0, 0.0);
            for (var i = 0; i < fittedHours; i++)
            {
                var residual = Residual(history.Clean, i);
                var x = 1 / (history.Truth[i] + _offset);
                (n, sx, sy, sxx, sxy) = (n + 1, sx + x, sy + (residual * residual), sxx + (x * x), sxy + (x * residual * residual));
            }

            _perRequest = ((n * sxy) - (sx * sy)) / ((n * sxx) - (sx * sx));
            _floor = (sy - (_perRequest * sx)) / n;
        }

        public int Hour(DateTimeOffset at) => (int)(at - _history.Start).TotalHours;

        /// <summary>The best score of a run of at most <see cref="LongestRun"/> hours within [<paramref name="from"/>, <paramref name="to"/>).</summary>
        public double Best(decimal[] costs, int from, int to)
        {
            var best = double.NegativeInfinity;
            for (var first = from; first < to; first++)
            {
                var (weighted, weights) = (0.0, 0.0);
                for (var last = first; last < Math.Min(to, first + LongestRun); last++)
                {
                    var variance = Math.Max(_floor + (_perRequest / (_history.Truth[last] + _offset)), LeastVariance);
                    (weighted, weights) = (weighted + (Residual(costs, last) / variance), weights + (1 / variance));
                    best = Math.Max(best, weighted / Math.Sqrt(weights));
                }
            }

            return best;
        }

        private double Residual(decimal[] costs, int hour) => Math.Log(((double)costs[hour] + _offset) / (_history.Truth[hour] + _offset));
    }
}
