using Spectre.Console;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.Verification;

namespace TrueCost.Cli.Output;

/// <summary>What could not be costed as it came, and what verify found: shown where the user looks, never a silent zero.</summary>
public static class IssueTables
{
    public static string UnpricedLine((long Requests, long Tokens, long UnpricedRequests, long UnpricedTokens) share) =>
        share.UnpricedRequests == 0
            ? $"Unpriced API usage: [green]none[/] ({share.Requests:N0} API requests, every one priced)"
            : $"Unpriced API usage: [yellow]{share.UnpricedRequests:N0} requests, {share.UnpricedTokens:N0} tokens ({Percent(share.UnpricedTokens, share.Tokens)} of API tokens)[/] carry no list price; see the table below and `truecost prices missing`";

    public static Table Issues(IReadOnlyList<IssueSummary> issues)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Not costed as it came (allocation issues)[/]");
        table.AddColumns("kind", "subject", "reason");
        table.AddColumn(new TableColumn("requests").RightAligned());
        table.AddColumn(new TableColumn("tokens").RightAligned());
        table.AddColumn(new TableColumn("amount").RightAligned());
        table.AddColumn(new TableColumn("hours").RightAligned());
        foreach (var i in issues)
        {
            table.AddRow(Markup.Escape(i.Kind), Markup.Escape(i.Subject), Markup.Escape(i.Reason), $"{i.Requests:N0}", $"{i.Tokens:N0}",
                i.Amount is { } a ? UsageTables.Money(a, i.Currency ?? string.Empty) : "-", $"{i.Hours:N0}");
        }

        return table;
    }

    public static Table Differences(VerifyReport report)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold red]verify: cost_hourly differs from the source tables[/]");
        table.AddColumns("hour (UTC)", "what");
        table.AddColumn(new TableColumn("recomputed").RightAligned());
        table.AddColumn(new TableColumn("cost_hourly").RightAligned());
        table.AddColumn(new TableColumn("difference").RightAligned());
        foreach (var d in report.Differences.Take(200))
        {
            table.AddRow($"{d.Hour:yyyy-MM-dd HH}:00", Markup.Escape(d.What), $"{d.Expected:N2}", $"{d.Actual:N2}", $"{d.Difference:+0.00;-0.00}");
        }

        if (report.Differences.Count > 200)
        {
            table.Caption($"first 200 of {report.Differences.Count} differences");
        }

        return table;
    }

    public static string VerifySummary(VerifyReport report, string currency) => report.Passed
        ? $"verify: [green]passed[/] — {report.Hours:N0} hours, recomputed {report.Expected:N2} {currency} = cost_hourly {report.Allocated:N2} {currency}, bucket by bucket"
        : $"verify: [red]FAILED[/] — {report.Differences.Count} differences in {report.Differences.Select(d => d.Hour).Distinct().Count()} of {report.Hours:N0} hours (recomputed {report.Expected:N2}, cost_hourly {report.Allocated:N2} {currency})";

    private static string Percent(long part, long whole) => whole == 0 ? "0%" : $"{100.0 * part / whole:0.##}%";
}
