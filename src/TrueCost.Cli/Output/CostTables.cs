using Spectre.Console;
using TrueCost.Ledger.Queries;

namespace TrueCost.Cli.Output;

/// <summary>Renders cost_hourly groupings with the five buckets, idle and total.</summary>
public static class CostTables
{
    public static Table Render(string title, string labelColumn, IReadOnlyList<CostLine> rows, string currency)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(title)}[/]");
        table.AddColumn(labelColumn);
        foreach (var column in new[] { "direct inference", "platform overhead", "observability", "engineering", "incident", "(of which idle)", "total", "unpriced req." })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var r in rows)
        {
            table.AddRow(Markup.Escape(r.Label), M(r.DirectInference), M(r.PlatformOverhead), M(r.Observability), M(r.Engineering), M(r.Incident), M(r.Idle), $"[bold]{M(r.Total)}[/]", Unpriced(r.UnpricedRequests));
        }

        table.AddRow(
            "[bold]total[/]",
            B(rows.Sum(r => r.DirectInference)),
            B(rows.Sum(r => r.PlatformOverhead)),
            B(rows.Sum(r => r.Observability)),
            B(rows.Sum(r => r.Engineering)),
            B(rows.Sum(r => r.Incident)),
            B(rows.Sum(r => r.Idle)),
            B(rows.Sum(r => r.Total)),
            Unpriced(rows.Sum(r => r.UnpricedRequests)));
        table.Caption($"[grey]{currency}; idle is the part of direct inference that paid for unused GPU capacity; unpriced req. are API requests with no list price (their cost is not in direct inference unless an invoice covers them)[/]");
        return table;
    }

    private static string M(decimal value) => UsageTables.Money(value, string.Empty).TrimEnd();

    private static string Unpriced(long requests) => requests == 0 ? "-" : $"[yellow]{requests:N0}[/]";

    private static string B(decimal value) => $"[bold]{M(value)}[/]";
}
