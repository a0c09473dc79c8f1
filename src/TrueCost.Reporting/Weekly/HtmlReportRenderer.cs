using System.Net;
using System.Text;

namespace TrueCost.Reporting.Weekly;

/// <summary>
/// The report as one self-contained HTML page: styles inline, charts as inline SVG, no scripts, fonts or
/// files fetched from anywhere, so it can be mailed or archived as it is.
/// </summary>
public static class HtmlReportRenderer
{
    internal const string Style = """
        body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1f24; max-width: 1200px; }
        h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
        table { border-collapse: collapse; font-size: 0.85rem; } th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #eaeef2; }
        th { text-align: left; background: #f6f8fa; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
        figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
        figure svg image { image-rendering: pixelated; }
        .restated { border-left: 4px solid #bf8700; background: #fff8c5; padding: 0.6rem 1rem; font-weight: 600; }
        """;

    public static string Render(WeeklyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var title = $"TrueCost weekly FinOps report — {report.Week}";
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>")
            .AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<title>").Append(Encode(title)).AppendLine("</title>")
            .Append("<style>").Append(Style).AppendLine("</style></head><body>")
            .Append("<h1>").Append(Encode(title)).AppendLine("</h1>");
        if (report.Restatement is { } restatement)
        {
            html.Append("<p class=\"restated\" data-restates=\"").Append(restatement.Restates).Append("\">")
                .Append(Encode(restatement.Banner(report.Currency))).AppendLine("</p>");
        }

        html.AppendLine("<ul class=\"summary\">");
        foreach (var line in ReportSummary.Lines(report))
        {
            html.Append("<li>").Append(Encode(line)).AppendLine("</li>");
        }

        html.AppendLine("</ul>");
        foreach (var table in ReportTables.Build(report).Where(t => !t.Detail))
        {
            Table(html, table, report.Currency);
            if (table.Id == ReportTables.Buckets)
            {
                Figure(html, "daily-buckets", ReportCharts.DailyBuckets(report));
            }
            else if (table.Id == ReportTables.GpuPools)
            {
                Figure(html, "utilization-heatmap", ReportCharts.UtilizationHeatmap(report));
            }
        }

        return html.AppendLine("</body></html>").ToString();
    }

    internal static void Table(StringBuilder html, ReportTable table, string currency)
    {
        html.Append("<section><h2>").Append(Encode(table.Title)).AppendLine("</h2>");
        if (table.Rows.Count == 0)
        {
            html.AppendLine("<p>None.</p></section>");
            return;
        }

        html.Append("<table data-table=\"").Append(table.Id).Append("\"><thead><tr>");
        foreach (var column in table.Columns)
        {
            html.Append("<th>").Append(Encode(CellFormat.Header(column, currency))).Append("</th>");
        }

        html.AppendLine("</tr></thead><tbody>");
        foreach (var row in table.Rows)
        {
            html.Append("<tr>");
            for (var i = 0; i < row.Length; i++)
            {
                var kind = table.Columns[i].Kind;
                html.Append(kind == ColumnKind.Text ? "<td>" : "<td class=\"n\">").Append(Encode(CellFormat.ForPeople(row[i], kind))).Append("</td>");
            }

            html.AppendLine("</tr>");
        }

        html.AppendLine("</tbody></table></section>");
    }

    private static void Figure(StringBuilder html, string id, string? svg)
    {
        html.Append("<figure id=\"chart-").Append(id).Append("\">")
            .Append(svg ?? "<p>No GPU pool reported utilization this week.</p>")
            .AppendLine("</figure>");
    }

    internal static string Encode(string text) => WebUtility.HtmlEncode(text);
}
