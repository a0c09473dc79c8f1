namespace TrueCost.Ledger.Governance;

/// <summary>
/// Which cost a series follows: a dimension and its value (<c>tenant</c> = <c>acme</c>, <c>route</c> = <c>chat</c>,
/// <c>bucket</c> = <c>all</c>) and the cost bucket summed (<c>total</c>, <c>observability</c>, …).
/// </summary>
public sealed record SeriesKey(string Dimension, string Value, string Bucket)
{
    public override string ToString() => $"{Dimension}={Value}/{Bucket}";
}

/// <summary>
/// The cost of one key, hour by hour: <see cref="Hourly"/>[i] is the hour <see cref="Start"/> + i hours (UTC,
/// hour-aligned); an hour without cost is 0, never left out.
/// </summary>
public sealed record CostSeries(SeriesKey Key, DateTimeOffset Start, IReadOnlyList<decimal> Hourly)
{
    /// <summary>The exclusive end of the last hour.</summary>
    public DateTimeOffset End => Start + (Hourly.Count * Time.UtcHour.Length);
}
