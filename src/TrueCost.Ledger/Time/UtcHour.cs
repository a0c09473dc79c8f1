namespace TrueCost.Ledger.Time;

/// <summary>The one place timestamps become hour buckets: UTC, truncated, [start, start + 1 h).</summary>
public static class UtcHour
{
    public static readonly TimeSpan Length = TimeSpan.FromHours(1);

    public static DateTimeOffset Floor(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerHour), TimeSpan.Zero);
    }

    /// <summary>Every hour that overlaps [start, end), in order.</summary>
    public static IEnumerable<DateTimeOffset> Covering(DateTimeOffset start, DateTimeOffset end)
    {
        for (var hour = Floor(start); hour < end; hour += Length)
        {
            yield return hour;
        }
    }
}
