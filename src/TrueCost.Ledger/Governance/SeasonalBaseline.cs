namespace TrueCost.Ledger.Governance;

/// <summary>
/// The expected cost and the spread of every period of a series with a weekly season (168 hours or 7 days), each
/// computed from the periods before it only, so a period's verdict never changes when later data arrives.
/// <list type="bullet">
/// <item>Seasonal baseline: the median of the same period of the week over the last <see cref="AnomalyOptions.LookbackWeeks"/>
/// weeks; one past spike among them does not move it.</item>
/// <item>Level: the median, over the last <see cref="AnomalyOptions.LevelDays"/> days, of each day's cost divided by its
/// baseline; it follows growth and a persisting step within about half that many days.</item>
/// <item>Spread: per period of the day, the 80th percentile of the past residuals (relative to the expected cost;
/// absolute where nothing was expected) over the lookback, read as a normal scale; the 80th percentile rather than
/// the median so series that are bursty by nature stay quiet, and never below
/// <see cref="AnomalyOptions.MinimumRelativeSpread"/> of the expected cost.</item>
/// </list>
/// </summary>
internal sealed class SeasonalBaseline
{
    private const double SpreadQuantile = 0.80;

    /// <summary>The 80th percentile of |N(0, 1)|: turns that quantile of absolute residuals into a standard deviation.</summary>
    private const double SpreadQuantileOfNormal = 1.2816;

    private readonly double[] _values;
    private readonly int _periodsPerDay;
    private readonly int _firstPeriodOfDay;
    private readonly AnomalyOptions _options;
    private readonly double[] _baseline;
    private readonly double[] _expected;
    private readonly double[] _spread;

    private SeasonalBaseline(double[] values, int periodsPerDay, int firstPeriodOfDay, AnomalyOptions options)
    {
        _values = values;
        _periodsPerDay = periodsPerDay;
        _firstPeriodOfDay = firstPeriodOfDay;
        _options = options;
        _baseline = new double[values.Length];
        _expected = new double[values.Length];
        _spread = new double[values.Length];
    }

    private int Season => 7 * _periodsPerDay;

    /// <summary>The first period with enough history to be judged.</summary>
    public int FirstJudged => _options.MinimumHistoryWeeks * Season;

    public double Expected(int period) => _expected[period];

    /// <summary>The robust z of a period: its excess over the expected cost in spreads.</summary>
    public double Score(int period) => (_values[period] - _expected[period]) / _spread[period];

    /// <param name="values">The cost of each period, in order.</param>
    /// <param name="periodsPerDay">24 for hours, 1 for days.</param>
    /// <param name="firstPeriodOfDay">Which period of its UTC day the first value is (its hour for hours, 0 for days).</param>
    public static SeasonalBaseline Fit(double[] values, int periodsPerDay, int firstPeriodOfDay, AnomalyOptions options)
    {
        var fit = new SeasonalBaseline(values, periodsPerDay, firstPeriodOfDay, options);
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
        var relative = new double[_periodsPerDay];
        var absolute = new double[_periodsPerDay];
        var dayStart = -1;
        for (var i = Season; i < _values.Length; i++)
        {
            var n = 0;
            for (var day = 1; day <= _options.LevelDays; day++)
            {
                var from = i - (day * _periodsPerDay);
                var baseline = from >= Season ? sumBaseline[from + _periodsPerDay] - sumBaseline[from] : 0;
                if (baseline > 0)
                {
                    ratios[n++] = (sumValues[from + _periodsPerDay] - sumValues[from]) / baseline;
                }
            }

            _expected[i] = n == 0 ? _baseline[i] : _baseline[i] * RobustStatistics.Median(ratios.AsSpan(0, n));
            var periodOfDay = (_firstPeriodOfDay + i) % _periodsPerDay;
            if (i - periodOfDay != dayStart)
            {
                dayStart = i - periodOfDay;
                ResidualSpreads(dayStart, relative, absolute);
            }

            var spread = _expected[i] > 0
                ? Math.Max(relative[periodOfDay], _options.MinimumRelativeSpread) * _expected[i]
                : absolute[periodOfDay];
            _spread[i] = spread > 0 || double.IsNaN(spread) ? spread : double.Epsilon;
        }
    }

    /// <summary>Per period of the day, the relative and absolute spread of the residuals of the lookback before <paramref name="dayStart"/>.</summary>
    private void ResidualSpreads(int dayStart, double[] relative, double[] absolute)
    {
        var from = Math.Max(Season, dayStart - (_options.LookbackWeeks * Season));
        var days = ((dayStart - from) / _periodsPerDay) + 1;
        var relativeResiduals = new double[days];
        var absoluteResiduals = new double[days];
        for (var periodOfDay = 0; periodOfDay < _periodsPerDay; periodOfDay++)
        {
            var (nRelative, nAbsolute) = (0, 0);
            for (var i = dayStart - _periodsPerDay + periodOfDay; i >= from; i -= _periodsPerDay)
            {
                var residual = Math.Abs(_values[i] - _expected[i]);
                absoluteResiduals[nAbsolute++] = residual;
                if (_expected[i] > 0)
                {
                    relativeResiduals[nRelative++] = residual / _expected[i];
                }
            }

            relative[periodOfDay] = RobustStatistics.Quantile(relativeResiduals.AsSpan(0, nRelative), SpreadQuantile) / SpreadQuantileOfNormal;
            absolute[periodOfDay] = RobustStatistics.Quantile(absoluteResiduals.AsSpan(0, nAbsolute), SpreadQuantile) / SpreadQuantileOfNormal;
        }
    }

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
