using System.Globalization;

namespace TrueCost.Reporting.Weekly;

/// <summary>The few sentences at the top of every rendering: the week, the total and its change, what moved it, idle and findings.</summary>
public static class ReportSummary
{
    public static IReadOnlyList<string> Lines(WeeklyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var c = report.Currency;
        var change = report.Change;
        var lines = new List<string>
        {
            Invariant($"ISO week {report.Week}: {report.Week.Start:ddd yyyy-MM-dd HH:mm} UTC to {report.Week.End:ddd yyyy-MM-dd HH:mm} UTC; generated {report.GeneratedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}."),
            Invariant($"Total {change.Current:N2} {c}; previous week {change.Previous:N2} {c}; change {Signed(change.Delta)} {c}") +
                (change.Percent is { } p ? Invariant($" ({Signed(p, "0.0")}%).") : " (no cost the week before)."),
        };
        var movers = change.Drivers
            .Where(d => d.Delta != 0)
            .GroupBy(d => d.Dimension)
            .Select(g => g.First())
            .Select(d => Invariant($"{d.Dimension} {d.Key} {Signed(d.Delta)} {c}"))
            .ToList();
        if (movers.Count > 0)
        {
            lines.Add($"Largest movers: {string.Join(", ", movers)}.");
        }

        var direct = report.Totals.DirectInference;
        lines.Add(Invariant($"Idle GPU capacity cost {report.Totals.Idle:N2} {c}") +
            (direct == 0 ? "." : Invariant($" ({100 * report.Totals.Idle / direct:0.0}% of direct inference).")));
        // Coverage findings say which figures are less true than they look (unpriced usage above all): they come first.
        foreach (var f in report.Findings.Where(f => f.Kind.StartsWith("coverage.", StringComparison.Ordinal)))
        {
            lines.Add($"Not costed as it came — {f.Subject}: {f.Summary}");
        }

        lines.Add(report.Findings.Count == 0
            ? "No open findings."
            : Invariant($"{report.Findings.Count} open finding(s), {report.Findings.Where(f => f.Currency == c).Sum(f => f.MonthlyAmountAtStake):N2} {c} per month at stake."));
        return lines;
    }

    private static string Signed(decimal value, string format = "N2") => (value > 0 ? "+" : string.Empty) + value.ToString(format, CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
