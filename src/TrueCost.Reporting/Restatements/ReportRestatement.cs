using System.Globalization;

namespace TrueCost.Reporting.Restatements;

/// <summary>One hour_changes row: an hour whose allocated total changed, from what to what and why.</summary>
public sealed record HourChange(long Id, DateTimeOffset Hour, decimal? PreviousTotal, decimal NewTotal, string Currency, string Reason, DateTimeOffset ChangedAt);

/// <summary>An hour's net change since the restated report: its total then and now, and the reasons it was re-allocated.</summary>
public sealed record RestatedHour(DateTimeOffset Hour, decimal Before, decimal After, IReadOnlyList<string> Reasons)
{
    public decimal Delta => After - Before;
}

/// <summary>A day's net change since the restated report over the hours of it that changed.</summary>
public sealed record RestatedDay(DateOnly Day, int Hours, decimal Before, decimal After)
{
    public decimal Delta => After - Before;
}

/// <summary>
/// What a re-issued weekly report says about the one it replaces: that report, its total and the new one, and the
/// hours and days whose allocation changed in between (net of every change, in change order).
/// </summary>
public sealed record ReportRestatement(
    Guid Restates,
    DateTimeOffset RestatedGeneratedAt,
    decimal PreviousTotal,
    decimal NewTotal,
    IReadOnlyList<RestatedDay> Days,
    IReadOnlyList<RestatedHour> Hours)
{
    public decimal Delta => NewTotal - PreviousTotal;

    /// <summary>
    /// Nets <paramref name="changes"/> per hour (the first change's previous total to the last one's new total, none
    /// counting as zero) and per UTC day; hours that changed and changed back are left out.
    /// </summary>
    public static ReportRestatement Of(Guid restates, DateTimeOffset restatedGeneratedAt, decimal previousTotal, decimal newTotal, IEnumerable<HourChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var hours = changes
            .GroupBy(c => c.Hour)
            .Select(g =>
            {
                var ordered = g.OrderBy(c => c.Id).ToList();
                return new RestatedHour(g.Key, ordered[0].PreviousTotal ?? 0m, ordered[^1].NewTotal, [.. ordered.Select(c => c.Reason).Distinct(StringComparer.Ordinal)]);
            })
            .Where(h => h.Delta != 0)
            .OrderBy(h => h.Hour)
            .ToList();
        var days = hours
            .GroupBy(h => DateOnly.FromDateTime(h.Hour.UtcDateTime))
            .Select(g => new RestatedDay(g.Key, g.Count(), g.Sum(h => h.Before), g.Sum(h => h.After)))
            .OrderBy(d => d.Day)
            .ToList();
        return new ReportRestatement(restates, restatedGeneratedAt, previousTotal, newTotal, days, hours);
    }

    /// <summary>The banner every rendering opens with.</summary>
    public string Banner(string currency) => string.Create(
        CultureInfo.InvariantCulture,
        $"Restated: this report replaces report {Restates} generated {RestatedGeneratedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}. " +
        $"Total {PreviousTotal:N2} {currency} → {NewTotal:N2} {currency} ({(Delta > 0 ? "+" : string.Empty)}{Delta:N2} {currency}); " +
        $"{Hours.Count} hour(s) on {Days.Count} day(s) were re-allocated since.");
}
