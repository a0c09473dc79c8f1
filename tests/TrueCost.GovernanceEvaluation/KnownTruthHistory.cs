using TrueCost.Ledger.Governance;

namespace TrueCost.GovernanceEvaluation;

/// <summary>An anomaly put into a history: its hours [Start, End) cost <see cref="Impact"/> more than they would have.</summary>
public sealed record InjectedAnomaly(DateTimeOffset Start, DateTimeOffset End, decimal Impact, double Size);

/// <summary>
/// One synthetic series whose truth is known: <see cref="Truth"/> is the noise-free expected cost of each hour,
/// <see cref="Clean"/> the observed cost without injected anomalies, <see cref="Injected"/> the same with
/// <see cref="Anomalies"/> added. A <see cref="LevelShift"/> (a tenant onboarding) is a persisting step, part of
/// the truth. A <see cref="Bursty"/> series is a low-volume route whose hours are a Poisson handful of requests.
/// </summary>
public sealed record KnownTruthSeries(
    SeriesKey Key,
    DateTimeOffset Start,
    double[] Truth,
    decimal[] Clean,
    decimal[] Injected,
    IReadOnlyList<InjectedAnomaly> Anomalies,
    DateTimeOffset? LevelShift,
    bool Bursty)
{
    public CostSeries CleanSeries => new(Key, Start, Clean);

    public CostSeries InjectedSeries => new(Key, Start, Injected);
}

/// <summary>
/// Deterministic histories with realistic LLM cost shapes, independent of the pipeline's own synthetic data: a
/// business-hours peak at a different UTC hour per series, quieter weekends, growth or decline of up to 30 % a
/// month, request-count noise (relatively larger at night) on top of per-series extra noise (some series much
/// noisier) and a per-day factor, a tenth of the series low-volume and bursty near the cost floor, a tenth with
/// a persisting step (×1.5 to ×3), and spikes of 1 to 12 hours of +50 % to +400 % of the expected cost every
/// two weeks or so, the earlier ones inside the later ones' lookback.
/// </summary>
public static class KnownTruthHistory
{
    public static readonly DateTimeOffset DefaultStart = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>January to May 2026: eight weeks of history before March, then three whole months to forecast.</summary>
    public const int DefaultDays = 151;

    /// <summary>Injected anomalies begin no earlier than this day, so the detector has two weeks of history.</summary>
    private const int FirstInjectionDay = 14;

    public static IReadOnlyList<KnownTruthSeries> Generate(int count, int seed, DateTimeOffset start, int days) =>
        [.. Enumerable.Range(0, count).Select(i => One(i, new Random(unchecked((seed * 100_003) + i)), start, days))];

    private static KnownTruthSeries One(int index, Random random, DateTimeOffset start, int days)
    {
        var hours = days * 24;
        var bursty = random.NextDouble() < 0.10;
        var shape = new Shape(random, bursty);
        var shiftHour = random.NextDouble() < 0.10 ? random.Next(35 * 24, (days - 10) * 24) : (int?)null;
        var shiftSize = 1.5 + (1.5 * random.NextDouble());

        var truth = new double[hours];
        var clean = new decimal[hours];
        var dayFactor = 1.0;
        for (var h = 0; h < hours; h++)
        {
            if (h % 24 == 0)
            {
                dayFactor = LogNormal(random, shape.DayNoise);
            }

            var at = start.AddHours(h);
            var level = shape.Level(at, h / 24.0) * (h >= shiftHour ? shiftSize : 1);
            truth[h] = level * shape.CostPerRequest;
            var cost = bursty ? Bursty(random, level, shape.CostPerRequest) : truth[h] * dayFactor * LogNormal(random, shape.HourNoise(level));
            clean[h] = Math.Round((decimal)cost, 4);
        }

        var (injected, anomalies) = Inject(random, start, truth, clean);
        var key = new SeriesKey(bursty ? "route" : "tenant", $"s{index:000}", "total");
        return new KnownTruthSeries(key, start, truth, clean, injected, anomalies, shiftHour is { } s ? start.AddHours(s) : null, bursty);
    }

    private static (decimal[] Injected, List<InjectedAnomaly> Anomalies) Inject(Random random, DateTimeOffset start, double[] truth, decimal[] clean)
    {
        var injected = (decimal[])clean.Clone();
        var anomalies = new List<InjectedAnomaly>();
        var hour = (FirstInjectionDay * 24) + random.Next(7 * 24);
        while (true)
        {
            var duration = random.Next(1, 13);
            if (hour + duration > truth.Length)
            {
                return (injected, anomalies);
            }

            var size = 0.5 * Math.Pow(8, random.NextDouble());
            var impact = 0m;
            for (var h = hour; h < hour + duration; h++)
            {
                var excess = Math.Round((decimal)(size * truth[h]), 4);
                injected[h] += excess;
                impact += excess;
            }

            anomalies.Add(new InjectedAnomaly(start.AddHours(hour), start.AddHours(hour + duration), impact, size));
            hour += duration + (2 * 24) + random.Next(20 * 24);
        }
    }

    /// <summary>Requests in an hour (Poisson) at a lognormal cost each: a low-volume route whose hours are mostly a few cents or nothing.</summary>
    private static double Bursty(Random random, double requests, double costPerRequest)
    {
        var cost = 0.0;
        var threshold = Math.Exp(-requests);
        for (var p = random.NextDouble(); p > threshold; p *= random.NextDouble())
        {
            cost += costPerRequest * LogNormal(random, 1.0);
        }

        return cost;
    }

    /// <summary>A lognormal factor with mean 1.</summary>
    private static double LogNormal(Random random, double sigma) => Math.Exp((sigma * Normal(random)) - (sigma * sigma / 2));

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>What stays fixed in a series: volume, daily and weekly profile, trend and noise.</summary>
    private sealed class Shape
    {
        private readonly double _peakRequests;
        private readonly double _peakHour;
        private readonly double _width;
        private readonly double _trough;
        private readonly double _weekend;
        private readonly double _monthlyGrowth;
        private readonly double _extraNoise;

        public Shape(Random random, bool bursty)
        {
            _peakRequests = bursty ? 0.5 + (2.5 * random.NextDouble()) : 50 * Math.Pow(40, random.NextDouble());
            CostPerRequest = bursty ? 0.1 + (0.5 * random.NextDouble()) : 0.01 + (0.09 * random.NextDouble());
            _peakHour = 6 + (14 * random.NextDouble());
            _width = 3 + (3 * random.NextDouble());
            _trough = 0.1 + (0.4 * random.NextDouble());
            _weekend = 0.25 + (0.75 * random.NextDouble());
            _monthlyGrowth = -0.2 + (0.5 * random.NextDouble());
            _extraNoise = random.NextDouble() < 0.15 ? 0.2 + (0.1 * random.NextDouble()) : 0.03 + (0.09 * random.NextDouble());
            DayNoise = 0.02 + (0.04 * random.NextDouble());
        }

        public double CostPerRequest { get; }

        public double DayNoise { get; }

        /// <summary>Expected requests in the hour starting at <paramref name="at"/>, <paramref name="day"/> days into the history.</summary>
        public double Level(DateTimeOffset at, double day)
        {
            var distance = Math.Abs(at.Hour + 0.5 - _peakHour);
            distance = Math.Min(distance, 24 - distance);
            var profile = _trough + ((1 - _trough) * Math.Exp(-0.5 * (distance / _width) * (distance / _width)));
            var weekday = at.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? _weekend : 1;
            var trend = Math.Pow(1 + _monthlyGrowth, day / 30.4);
            return _peakRequests * profile * weekday * trend;
        }

        /// <summary>Relative noise of an hour: each request's cost varies (CV 1.5), so fewer requests are noisier.</summary>
        public double HourNoise(double requests) => Math.Sqrt((_extraNoise * _extraNoise) + (2.25 / Math.Max(requests, 1)));
    }
}
