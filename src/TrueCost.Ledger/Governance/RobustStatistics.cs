namespace TrueCost.Ledger.Governance;

/// <summary>Order statistics the governance models rest on: they ignore a few wild values instead of following them.</summary>
internal static class RobustStatistics
{
    /// <summary>The median of the values; sorts them in place. NaN when there are none.</summary>
    public static double Median(Span<double> values) => Quantile(values, 0.5);

    /// <summary>The <paramref name="p"/>-quantile, linear between order statistics; sorts the values in place. NaN when there are none.</summary>
    public static double Quantile(Span<double> values, double p)
    {
        if (values.IsEmpty)
        {
            return double.NaN;
        }

        values.Sort();
        var position = p * (values.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, values.Length - 1);
        return values[below] + ((position - below) * (values[above] - values[below]));
    }

    /// <summary>The Theil–Sen slope: the median of the slopes between every pair of points (x is the index).</summary>
    public static double TheilSenSlope(ReadOnlySpan<double> values)
    {
        if (values.Length < 2)
        {
            return 0;
        }

        var slopes = new double[values.Length * (values.Length - 1) / 2];
        var n = 0;
        for (var i = 0; i < values.Length; i++)
        {
            for (var j = i + 1; j < values.Length; j++)
            {
                slopes[n++] = (values[j] - values[i]) / (j - i);
            }
        }

        return Median(slopes);
    }
}
