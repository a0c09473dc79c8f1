using System.Globalization;
using System.Text;
using Npgsql;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Rightsizing;

namespace TrueCost.Api.Explorer;

/// <summary>
/// Breakeven (API vs self-host vs hybrid), rightsizing, coverage and commitment findings over the range, each with
/// its money at stake per month and the inputs behind it, computed by the same rules as the weekly report.
/// </summary>
internal static class FindingsPage
{
    private const string Title = "Findings";

    public static async Task<IResult> RenderAsync(
        HttpContext context, ExplorerQueries queries, NpgsqlDataSource db, LedgerOptions ledger, FindingsOptions options, GovernanceOptions governance, TimeProvider time)
    {
        if (ExplorerEndpoints.RefuseTenantKey(context, Title, queries.Currency) is { } refused)
        {
            return refused;
        }

        var (caller, view) = await ViewForm.ReadAsync(context, queries, time);
        var report = await FindingsService.ComputeAsync(db, ledger, options, view.From, view.To, governance.Commitments, context.RequestAborted);
        var findings = report.Messages();
        var body = new StringBuilder();
        body.Append(Html.Problems(view.Problems));
        body.Append(ViewForm.Render("/ui/findings", view, caller));
        body.Append(CultureInfo.InvariantCulture, $"""
            <p class="range">{Html.E(Html.Range(report.From, report.To))} (the part of the range with data): {findings.Count} findings,
            <span id="at-stake">{Html.Money(findings.Sum(f => f.MonthlyAmountAtStake))} {Html.E(queries.Currency)} a month</span> at stake in all.</p>
            """);
        foreach (var kind in findings.GroupBy(f => Group(f.Kind)))
        {
            body.Append(CultureInfo.InvariantCulture, $"<section aria-labelledby=\"h-{kind.Key.Id}\"><h2 id=\"h-{kind.Key.Id}\">{Html.E(kind.Key.Title)}</h2>");
            body.Append(Html.Table(
                $"findings-{kind.Key.Id}",
                $"{kind.Key.Title}, largest first; each row's inputs open below it",
                ["Subject", "Finding", "Per month at stake", "What it says", "Inputs"],
                kind.Select(f => (IReadOnlyList<Cell>)
                [
                    Cell.Text(f.Subject), Cell.Text(f.Kind), Cell.Money(f.MonthlyAmountAtStake), Cell.Text(f.Summary), new Cell(Evidence(f), false),
                ])));
            body.Append("</section>");
        }

        if (findings.Count == 0)
        {
            body.Append("<p>No finding in this range: every route is on its cheapest option, no pool is over- or under-sized, and everything was costed.</p>");
        }

        return Html.Page(context, caller, Title, queries.Currency, body.ToString());
    }

    /// <summary>Kinds are "breakeven.…", "rightsizing.…", "commitment.…"; anything else is a coverage finding.</summary>
    private static (string Id, string Title) Group(string kind) => kind[..Math.Max(0, kind.IndexOf('.', StringComparison.Ordinal))] switch
    {
        "breakeven" => ("breakeven", "Breakeven: API, self-hosted or hybrid"),
        "rightsizing" => ("rightsizing", "GPU rightsizing"),
        "commitment" => ("commitments", "Commitments"),
        _ => ("coverage", "Coverage: what could not be costed"),
    };

    private static string Evidence(FindingRaised f)
    {
        var sb = new StringBuilder("<details><summary>Inputs</summary><dl class=\"evidence\">");
        foreach (var (name, value) in f.Evidence)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<dt>{Html.E(name)}</dt><dd>{Html.E(value)}</dd>");
        }

        return sb.Append("</dl></details>").ToString();
    }
}
