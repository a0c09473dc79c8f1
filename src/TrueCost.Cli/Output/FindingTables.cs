using Spectre.Console;
using TrueCost.Reporting.Governance.Commitments;
using TrueCost.Reporting.Messages;

namespace TrueCost.Cli.Output;

/// <summary>Findings and commitments as console tables, for the demo and the commitments command.</summary>
public static class FindingTables
{
    public static Table Findings(IReadOnlyList<FindingRaised> findings, string title)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(title)}[/]");
        table.AddColumns("kind", "subject", "finding");
        table.AddColumn(new TableColumn("at stake / month").RightAligned());
        foreach (var f in findings.OrderByDescending(f => f.MonthlyAmountAtStake))
        {
            table.AddRow(Markup.Escape(f.Kind), Markup.Escape(f.Subject), Markup.Escape(f.Summary), UsageTables.Money(f.MonthlyAmountAtStake, f.Currency));
        }

        return table;
    }

    public static Table Commitments(CommitmentReport report)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]Commitments {report.From:yyyy-MM-dd HH:00}Z – {report.To:yyyy-MM-dd HH:00}Z[/]");
        table.AddColumns("name", "kind", "scope", "term");
        foreach (var money in new[] { "amortized", "used", "unused", "utilization", "coverage" })
        {
            table.AddColumn(new TableColumn(money).RightAligned());
        }

        foreach (var c in report.Commitments)
        {
            table.AddRow(
                Markup.Escape(c.Name),
                c.Kind,
                Markup.Escape(c.Scope),
                $"{c.TermStart:yyyy-MM-dd HH:00} – {c.TermEnd:yyyy-MM-dd HH:00}",
                UsageTables.Money(c.Amortized, c.Currency),
                UsageTables.Money(c.Used, c.Currency),
                c.Unused > 0 ? $"[yellow]{UsageTables.Money(c.Unused, c.Currency)}[/]" : UsageTables.Money(c.Unused, c.Currency),
                Percent(c.Utilization),
                Percent(c.Coverage));
        }

        if (report.Commitments.Count == 0)
        {
            table.Caption("no FOCUS commitment lines in the range and none configured in Governance:Commitments");
        }

        return table;
    }

    private static string Percent(decimal? fraction) => fraction is { } f ? $"{f * 100:0.#} %" : "n/a";
}
