using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TrueCost.Reporting.Incidents;

/// <summary>Renders an <see cref="IncidentCostReport"/> as the Markdown block an SRE pastes into a postmortem, or as JSON.</summary>
public static class IncidentCostRenderer
{
    /// <summary>Beyond this many route × tenant rows the block would bury the totals; the rest are summed in one line.</summary>
    public const int MaxAffectedRows = 15;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public static string ToJson(IncidentCostReport report) => JsonSerializer.Serialize(report, Json);

    public static string ToMarkdown(IncidentCostReport r)
    {
        var md = new StringBuilder();
        Line(md, $"### Incident cost — {r.IncidentId} ({r.Severity}, {r.Status})");
        Line(md, $"**{Escape(r.Title)}**");
        md.AppendLine();
        var postmortem = r.PostmortemUrl is { } url ? $" · [postmortem]({url})" : string.Empty;
        Line(md, $"Window: {Time(r.WindowStart)} → {Time(r.WindowEnd)} UTC ({Duration(r.WindowEnd - r.WindowStart)}){postmortem}");
        md.AppendLine();
        Line(md, $"| component | {r.Currency} |");
        md.AppendLine("|---|---:|");
        Line(md, $"| Responder time ({r.ResponderHours:0.##} h) | {Money(r.ResponderTime)} |");
        Line(md, $"| Failed requests ({r.FailedRequestCount:N0}) | {Money(r.FailedRequests)} |");
        Line(md, $"| SLA credits | {Money(r.SlaCredits)} |");
        Line(md, $"| Wasted GPU and retry tokens | {Money(r.WastedGpuAndRetryTokens)} |");
        Line(md, $"| **Total** | **{Money(r.Total)}** |");
        md.AppendLine();

        if (r.Responders.Count > 0)
        {
            Line(md, $"Responders: {string.Join(", ", r.Responders.Select(p => Invariant($"{Escape(p.Responder)} ({p.Role}, {p.Hours:0.##} h × {p.Rate:N2} = {p.Cost:N2})")))}");
            md.AppendLine();
        }

        Affected(md, r);
        if (r.Timeline.Count > 0)
        {
            md.AppendLine("Timeline (UTC):");
            foreach (var e in r.Timeline)
            {
                Line(md, $"- {Time(e.At)} {Escape(e.What)}");
            }
        }

        return md.ToString();
    }

    private static void Affected(StringBuilder md, IncidentCostReport r)
    {
        if (r.Affected.Count == 0)
        {
            md.AppendLine("No allocated incident cost on any route yet (the window's hours may not be allocated).");
            md.AppendLine();
            return;
        }

        Line(md, $"Affected routes: {string.Join(", ", r.AffectedRoutes.Select(Escape))} · tenants: {r.AffectedTenants.Count}");
        md.AppendLine();
        Line(md, $"| route | tenant | incident cost ({r.Currency}) |");
        md.AppendLine("|---|---|---:|");
        foreach (var a in r.Affected.Take(MaxAffectedRows))
        {
            Line(md, $"| {Escape(a.Route)} | {Escape(a.Tenant)} | {Money(a.Amount)} |");
        }

        if (r.Affected.Count > MaxAffectedRows)
        {
            var rest = r.Affected.Skip(MaxAffectedRows).ToList();
            Line(md, $"| … {rest.Count} more | | {Money(rest.Sum(a => a.Amount))} |");
        }

        md.AppendLine();
    }

    private static void Line(StringBuilder md, FormattableString text) => md.AppendLine(text.ToString(CultureInfo.InvariantCulture));

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Money(decimal v) => v.ToString("N2", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan d) => d.TotalHours >= 1 ? Invariant($"{(int)d.TotalHours} h {d.Minutes} min") : Invariant($"{d.Minutes} min");

    /// <summary>Table cells and list items must not break on the pipe and bracket characters Markdown reserves.</summary>
    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("[", "\\[", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal);
}
