namespace TrueCost.Synthetic;

/// <summary>How a route's requests spread over the 24 UTC hours of the day; each shape's weights sum to 1.</summary>
public static class TrafficShapes
{
    /// <summary>User-facing traffic: follows <see cref="DiurnalProfile"/>.</summary>
    public static IReadOnlyList<double> Diurnal => DiurnalProfile.HourWeights;

    /// <summary>A queue drained around the clock at a steady rate: every hour alike.</summary>
    public static IReadOnlyList<double> Flat { get; } = Normalize(Enumerable.Repeat(1.0, 24));

    /// <summary>
    /// A steady stream all day plus bulk loads landing in a few business hours, each of those
    /// hours carrying <paramref name="burstFactor"/> times the baseline.
    /// </summary>
    public static IReadOnlyList<double> BaselineWithBursts(double burstFactor, params int[] burstHours) =>
        Normalize(Enumerable.Range(0, 24).Select(h => burstHours.Contains(h) ? burstFactor : 1.0));

    private static double[] Normalize(IEnumerable<double> raw)
    {
        var weights = raw.ToArray();
        var sum = weights.Sum();
        return [.. weights.Select(w => w / sum)];
    }
}
