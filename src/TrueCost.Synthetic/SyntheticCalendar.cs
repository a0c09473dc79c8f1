namespace TrueCost.Synthetic;

/// <summary>
/// The UTC days a synthetic history covers and each day's share of its traffic: weekdays busier than
/// weekends and a gentle growth from week to week, so the same number of requests spreads over one day
/// or many weeks with a realistic shape (the hours within a day follow each route's <see cref="TrafficShapes"/>).
/// </summary>
public sealed class SyntheticCalendar
{
    /// <summary>Traffic grows by this share from one week to the next.</summary>
    public const double WeeklyGrowth = 0.04;

    private readonly double _busiest;

    private SyntheticCalendar(IReadOnlyList<DateTimeOffset> days, IReadOnlyList<double> weights)
    {
        Days = days;
        Weights = weights;
        _busiest = weights.Max();
    }

    /// <summary>The first hour of each day, oldest first.</summary>
    public IReadOnlyList<DateTimeOffset> Days { get; }

    /// <summary>Each day's share of the traffic, summing to 1.</summary>
    public IReadOnlyList<double> Weights { get; }

    public DateTimeOffset Start => Days[0];

    public DateTimeOffset LastDay => Days[^1];

    /// <summary>The end of the last day (exclusive).</summary>
    public DateTimeOffset End => LastDay.AddDays(1);

    /// <summary>One day from <paramref name="start"/> (tests start a day at any hour).</summary>
    public static SyntheticCalendar OneDay(DateTimeOffset start) => new([start], [1.0]);

    /// <summary>The <paramref name="weeks"/> × 7 days that end with <paramref name="lastDay"/>.</summary>
    public static SyntheticCalendar Weeks(DateTimeOffset lastDay, int weeks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(weeks, 1);
        var count = weeks * 7;
        var first = StartOfDay(lastDay).AddDays(1 - count);
        var days = Enumerable.Range(0, count).Select(i => first.AddDays(i)).ToArray();
        var raw = days.Select((d, i) => Weekday(d.DayOfWeek) * Math.Pow(1 + WeeklyGrowth, i / 7.0)).ToArray();
        var total = raw.Sum();
        return new SyntheticCalendar(days, [.. raw.Select(w => w / total)]);
    }

    /// <summary>A day's traffic relative to the busiest day of the calendar (1 for the busiest).</summary>
    public double Load(int dayIndex) => Weights[dayIndex] / _busiest;

    /// <summary>
    /// <paramref name="total"/> split over the days by their weights in whole numbers that sum to it
    /// (largest remainder: each day gets its floor, the largest fractions one more).
    /// </summary>
    public int[] Split(int total)
    {
        var exact = Weights.Select(w => w * total).ToArray();
        var parts = exact.Select(e => (int)Math.Floor(e)).ToArray();
        foreach (var d in Enumerable.Range(0, parts.Length).OrderByDescending(d => exact[d] - parts[d]).ThenBy(d => d).Take(total - parts.Sum()))
        {
            parts[d]++;
        }

        return parts;
    }

    /// <summary>The index of the day that holds <paramref name="at"/>, or -1 outside the calendar.</summary>
    public int IndexOf(DateTimeOffset at) =>
        at < Start || at >= End ? -1 : (int)((at.ToUniversalTime() - Start).Ticks / TimeSpan.TicksPerDay);

    /// <summary>Saturdays and Sundays carry about half a weekday's traffic.</summary>
    private static double Weekday(DayOfWeek day) => day switch
    {
        DayOfWeek.Saturday => 0.55,
        DayOfWeek.Sunday => 0.45,
        _ => 1.0,
    };

    private static DateTimeOffset StartOfDay(DateTimeOffset day)
    {
        if (day.Offset != TimeSpan.Zero || day.TimeOfDay != TimeSpan.Zero)
        {
            throw new ArgumentException($"a synthetic day starts at 00:00 UTC; {day:O} does not", nameof(day));
        }

        return day;
    }
}
