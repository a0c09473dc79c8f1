using System.Globalization;

namespace TrueCost.Reporting.Weekly;

/// <summary>
/// An ISO 8601 week such as <c>2026-W47</c>: Monday 00:00 UTC up to the next Monday 00:00 UTC.
/// The one place week labels are parsed, formatted and turned into time ranges.
/// </summary>
public readonly record struct IsoWeek
{
    private IsoWeek(int year, int week)
    {
        Year = year;
        Week = week;
    }

    public int Year { get; }

    public int Week { get; }

    public DateTimeOffset Start => new(ISOWeek.ToDateTime(Year, Week, DayOfWeek.Monday), TimeSpan.Zero);

    public DateTimeOffset End => Start.AddDays(7);

    public static IsoWeek Create(int year, int week)
    {
        if (year is < 1 or > 9998 || week < 1 || week > ISOWeek.GetWeeksInYear(year))
        {
            throw new FormatException($"ISO week {year}-W{week:00} does not exist (year {year} has {(year is >= 1 and <= 9998 ? ISOWeek.GetWeeksInYear(year) : 0)} weeks)");
        }

        return new IsoWeek(year, week);
    }

    /// <summary>The week an instant falls in, judged in UTC.</summary>
    public static IsoWeek Of(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new IsoWeek(ISOWeek.GetYear(utc), ISOWeek.GetWeekOfYear(utc));
    }

    /// <summary>Parses <c>YYYY-Www</c> (e.g. <c>2026-W47</c>); the error names the accepted form.</summary>
    public static IsoWeek Parse(string? text)
    {
        var t = text?.Trim() ?? string.Empty;
        if (t.Length != 8 || t[4] != '-' || (t[5] != 'W' && t[5] != 'w')
            || !int.TryParse(t.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || !int.TryParse(t.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var week))
        {
            throw new FormatException($"'{text}' is not an ISO week: expected YYYY-Www, e.g. 2026-W47");
        }

        return Create(year, week);
    }

    public IsoWeek Previous() => Of(Start.AddDays(-7));

    public IsoWeek Next() => Of(End);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year:0000}-W{Week:00}");
}
