using System.Text;

namespace TrueCost.Reporting.Weekly;

/// <summary>The report as GitHub-flavoured Markdown: summary, then every table that is not CSV-only.</summary>
public static class MarkdownReportRenderer
{
    public static string Render(WeeklyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var md = new StringBuilder();
        md.Append("# TrueCost weekly FinOps report — ").AppendLine(report.Week.ToString()).AppendLine();
        if (report.Restatement is { } restatement)
        {
            md.Append("> **").Append(Escape(restatement.Banner(report.Currency))).AppendLine("**").AppendLine();
        }

        foreach (var line in ReportSummary.Lines(report))
        {
            md.Append("- ").AppendLine(Escape(line));
        }

        foreach (var table in ReportTables.Build(report).Where(t => !t.Detail))
        {
            md.AppendLine().Append("## ").AppendLine(table.Title).AppendLine();
            if (table.Rows.Count == 0)
            {
                md.AppendLine("_None._");
                continue;
            }

            md.Append("| ").AppendJoin(" | ", table.Columns.Select(c => Escape(CellFormat.Header(c, report.Currency)))).AppendLine(" |");
            md.Append('|').AppendJoin('|', table.Columns.Select(c => c.Kind == ColumnKind.Text ? "---" : "---:")).AppendLine("|");
            foreach (var row in table.Rows)
            {
                md.Append("| ").AppendJoin(" | ", row.Select((cell, i) => Escape(CellFormat.ForPeople(cell, table.Columns[i].Kind)))).AppendLine(" |");
            }
        }

        return md.ToString();
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
