namespace TrueCost.Synthetic;

/// <summary>Relative traffic per UTC hour: a quiet night and an afternoon peak several times the mean.</summary>
public static class DiurnalProfile
{
    /// <summary>Weights for hours 0..23, summing to 1.</summary>
    public static IReadOnlyList<double> HourWeights { get; } = Build();

    private static double[] Build()
    {
        var raw = Enumerable.Range(0, 24)
            .Select(h => 0.01 + Math.Exp(-Math.Pow((h - 14.5) / 2.0, 2)))
            .ToArray();
        var sum = raw.Sum();
        return [.. raw.Select(w => w / sum)];
    }
}
