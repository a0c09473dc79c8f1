namespace TrueCost.Ledger.Governance;

/// <summary>
/// The expected cost and the spread of every period of a series with a weekly season (168 hours or 7 days), each
/// computed from the periods before it only: later data never changes them.
/// <list type="bullet">
/// <item>Seasonal baseline: the median of the same period of the week over the last <see cref="AnomalyOptions.LookbackWeeks"/>
/// weeks; one past spike among them does not move it.</item>
/// <item>Level: the median, over the last <see cref="AnomalyOptions.LevelDays"/> days, of each day's cost divided by its
/// baseline; it follows growth and a persisting step within about half that many days.</item>
/// <item>Residual: the log of cost over expected cost, both with a small offset (a tenth of the series' mean period)
/// so noise is multiplicative and a few cents against an expected cent are no spike.</item>
/// <item>Spread: per period of the day, the 80th percentile of the absolute past residuals over the lookback, read as
/// a normal scale (the 80th rather than the 50th so series that are bursty by nature stay quiet), never below
/// <see cref="AnomalyOptions.MinimumRelativeSpread"/>; and the same for the mean residual of a window of consecutive
/// periods (pooled over the day), so a long moderate spike scores on its whole length, measured against how much
/// such windows really vary (neighbouring hours are not independent).</item>
/// </list>
/// </summary>
internal sealed class SeasonalBaseline
{
    private const double SpreadQuantile = 0.80;

    /// <summary>The 80th percentile of |N(0, 1)|: turns that quantile of absolute residuals into a standard deviation.</summary>
    private const double SpreadQuantileOfNormal = 1.2816;

    private const double OffsetShareOfMeanPeriod = 0.10;

    private const double MinimumOffset = 1e-6;

    private readonly double[] _values;
    private readonly int _periodsPerDay;
    private readonly int _firstPeriodOfDay;
    private readonly AnomalyOptions _options;
    private readonly double[] _baseline;
    private readonly double[] _expected;
    private readonly double[] _offset;
    private readonly double[] _logRatio;
    private readonly double[] _spread;
    private readonly double[][] _windowSpread;
    private readonly double[] _typicalDay;

    private SeasonalBaseline(double[] values, int periodsPerDay, int firstPeriodOfDay, int[] windows, AnomalyOptions options)
    {
        (_values, _periodsPerDay, _firstPeriodOfDay, Windows, _options) = (values, periodsPerDay, firstPeriodOfDay, windows, options);
        _baseline = new double[values.Length];
        _expected = new double[values.Length];
        _offset = new double[values.Length];
        _logRatio = new double[values.Length];
        _spread = new double[values.Length];
        _typicalDay = new double[values.Length];
        _windowSpread = [.. windows.Select(_ => new double[values.Length])];
    }

    /// <summary>The lengths of the windows of consecutive periods that are scored as a whole.</summary>
    public int[] Windows { get; }

    private int Season => 7 * _periodsPerDay;

    /// <summary>The first period with enough history to be judged.</summary>
    public int FirstJudged => _options.MinimumHistoryWeeks * Season;

    public double Expected(int period) => _expected[period];

    /// <summary>The median cost of the last <see cref="AnomalyOptions.LevelDays"/> days before a period: what a day of this series costs.</summary>
    public double TypicalDay(int period) => _typicalDay[period];

    /// <summary>The robust z of a period: its log residual in spreads.</summary>
    public double Score(int period) => _logRatio[period] / _spread[period];

    /// <summary>The robust z of the window of <see cref="Windows"/>[<paramref name="window"/>] periods ending with <paramref name="last"/>.</summary>
    public double WindowScore(int window, int last)
    {
        var length = Windows[window];
        var sum = 0.0;
        for (var i = last - length + 1; i <= last; i++)
        {
            sum += _logRatio[i];
        }

        return sum / length / _windowSpread[window][last];
    }

    /// <param name="values">The cost of each period, in order.</param>
    /// <param name="periodsPerDay">24 for hours, 1 for days.</param>
    /// <param name="firstPeriodOfDay">Which period of its UTC day the first value is (its hour for hours, 0 for days).</param>
    /// <param name="windows">The lengths of the windows scored as a whole.</param>
    public static SeasonalBaseline Fit(double[] values, int periodsPerDay, int firstPeriodOfDay, int[] windows, AnomalyOptions options)
    {
        var fit = new SeasonalBaseline(values, periodsPerDay, firstPeriodOfDay, windows, options);
        fit.FitBaseline();
        fit.FitLevelAndSpread();
        return fit;
    }

    private void FitBaseline()
    {
        Span<double> samples = stackalloc double[_options.LookbackWeeks];
        for (var i = Season; i < _values.Length; i++)
        {
            var n = 0;
            for (var week = 1; week <= _options.LookbackWeeks && i - (week * Season) >= 0; week++)
            {
                samples[n++] = _values[i - (week * Season)];
            }

            _baseline[i] = RobustStatistics.Median(samples[..n]);
        }
    }

    private void FitLevelAndSpread()
    {
        var sumValues = PrefixSums(_values);
        var sumBaseline = PrefixSums(_baseline);
        var ratios = new double[_options.LevelDays];
        var daySums = new double[_options.LevelDays];
        var spreads = new double[_periodsPerDay];
        var windowSpreads = new double[Windows.Length];
        var dayStart = -1;
        for (var i = Season; i < _values.Length; i++)
        {
            var n = 0;
            for (var day = 1; day <= _options.LevelDays; day++)
            {
                var from = i - (day * _periodsPerDay);
                var baseline = from >= Season ? sumBaseline[from + _periodsPerDay] - sumBaseline[from] : 0;
                daySums[day - 1] = from >= 0 ? sumValues[from + _periodsPerDay] - sumValues[from] : 0;
                if (baseline > 0)
                {
                    ratios[n++] = daySums[day - 1] / baseline;
                }
            }

            _typicalDay[i] = RobustStatistics.Median(daySums);
            _expected[i] = n == 0 ? _baseline[i] : _baseline[i] * RobustStatistics.Median(ratios.AsSpan(0, n));
            _offset[i] = Math.Max(OffsetShareOfMeanPeriod * _typicalDay[i] / _periodsPerDay, MinimumOffset);
            _logRatio[i] = Math.Log((_values[i] + _offset[i]) / (_expected[i] + _offset[i]));
            var periodOfDay = (_firstPeriodOfDay + i) % _periodsPerDay;
            if (i - periodOfDay != dayStart)
            {
                dayStart = i - periodOfDay;
                ResidualSpreads(dayStart, spreads, windowSpreads);
            }

            _spread[i] = Math.Max(spreads[periodOfDay], _options.MinimumRelativeSpread);
            for (var w = 0; w < Windows.Length; w++)
            {
                _windowSpread[w][i] = Math.Max(windowSpreads[w], _options.MinimumRelativeSpread);
            }
        }
    }

    /// <summary>The spreads of the lookback before <paramref name="dayStart"/>: per period of the day, and per window (NaN: none yet).</summary>
    private void ResidualSpreads(int dayStart, double[] spreads, double[] windowSpreads)
    {
        var from = Math.Max(Season, dayStart - (_options.LookbackWeeks * Season));
        var residuals = new double[Math.Max(0, dayStart - from)];
        var neighbours = _periodsPerDay > 1 ? 1 : 0;
        for (var periodOfDay = 0; periodOfDay < _periodsPerDay; periodOfDay++)
        {
            var n = 0;
            for (var near = periodOfDay - neighbours; near <= periodOfDay + neighbours; near++)
            {
                for (var i = dayStart - _periodsPerDay + ((near + _periodsPerDay) % _periodsPerDay); i >= from; i -= _periodsPerDay)
                {
                    residuals[n++] = Math.Abs(_logRatio[i]);
                }
            }

            spreads[periodOfDay] = Spread(residuals.AsSpan(0, n));
        }

        for (var w = 0; w < Windows.Length; w++)
        {
            var (n, sum) = (0, 0.0);
            for (var i = from; i < dayStart; i++)
            {
                sum += _logRatio[i] - (i - Windows[w] >= from ? _logRatio[i - Windows[w]] : 0);
                if (i - from + 1 >= Windows[w])
                {
                    residuals[n++] = Math.Abs(sum / Windows[w]);
                }
            }

            windowSpreads[w] = Spread(residuals.AsSpan(0, n));
        }
    }

    private static double Spread(Span<double> absoluteResiduals) =>
        RobustStatistics.Quantile(absoluteResiduals, SpreadQuantile) / SpreadQuantileOfNormal;

    private static double[] PrefixSums(double[] values)
    {
        var sums = new double[values.Length + 1];
        for (var i = 0; i < values.Length; i++)
        {
            sums[i + 1] = sums[i] + values[i];
        }

        return sums;
    }
}
