using System.Text;

namespace TrueCost.Reporting.Weekly;

/// <summary>
/// The report as CSV, one file per table (RFC 4180: comma separated, CRLF, quotes doubled), values invariant
/// and unformatted; a table with money in the report's currency gets a trailing currency column.
/// </summary>
public static class CsvReportRenderer
{
    /// <summary>File name suffix (the table id) → CSV text.</summary>
    public static IReadOnlyList<(string Id, string Csv)> Render(WeeklyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return [.. ReportTables.Build(report).Select(t => (t.Id, Render(t, report.Currency)))];
    }

    private static string Render(ReportTable table, string currency)
    {
        var csv = new StringBuilder();
        var header = table.Columns.Select(c => Snake(c.Name));
        Line(csv, table.HasMoney ? header.Append("currency") : header);
        foreach (var row in table.Rows)
        {
            var cells = row.Select(CellFormat.ForMachines);
            Line(csv, table.HasMoney ? cells.Append(currency) : cells);
        }

        return csv.ToString();
    }

    internal static void Line(StringBuilder csv, IEnumerable<string> cells) =>
        csv.AppendJoin(',', cells.Select(Quote)).Append("\r\n");

    private static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{cell.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : cell;

    private static string Snake(string name) =>
        string.Concat(name.Select(ch => char.IsAsciiLetterOrDigit(ch) ? char.ToLowerInvariant(ch) : '_')).Replace("__", "_", StringComparison.Ordinal).Trim('_');
}
