using System.Globalization;
using System.Text;
using TrueCost.Ledger.Allocation;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Reporting.Statements;

/// <summary>
/// A statement as one self-contained HTML page in the weekly report's style: header, the unpriced-usage caveat (always
/// there, saying none when there is none), totals by bucket, cost by route and model, every line by day, and the legend
/// of the allocation methods used.
/// </summary>
public static class StatementHtml
{
    private const string Extra = """
        .caveat { border-left: 4px solid #bf8700; background: #fff8c5; padding: 0.6rem 1rem; }
        .ok { border-left: 4px solid #1a7f37; background: #dafbe1; padding: 0.6rem 1rem; }
        dl.legend dt { font-family: ui-monospace, monospace; font-weight: 600; margin-top: 0.6rem; } dl.legend dd { margin-left: 1.5rem; }
        """;

    public static string Render(Statement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var s = statement;
        var title = $"Chargeback statement — {s.Tenant}, {s.Month}";
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>")
            .AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<title>").Append(Encode(title)).AppendLine("</title>")
            .Append("<style>").Append(HtmlReportRenderer.Style).Append(Extra).AppendLine("</style></head><body>")
            .Append("<h1>").Append(Encode(title)).AppendLine("</h1>")
            .AppendLine("<ul class=\"summary\">");
        foreach (var (label, value) in new[]
                 {
                     ("Tenant", s.Tenant),
                     ("Period (UTC)", $"{StatementCsv.Iso(s.PeriodStart)} to {StatementCsv.Iso(s.PeriodEnd)} (end excluded)"),
                     ("Currency", s.Currency),
                     ("Total", $"{CellFormat.ForPeople(s.Totals.Total, ColumnKind.Money)} {s.Currency}"),
                     ("Generated at", StatementCsv.Iso(s.GeneratedAt)),
                 })
        {
            html.Append("<li><strong>").Append(Encode(label)).Append(":</strong> <span data-field=\"").Append(Encode(label.ToLowerInvariant()))
                .Append("\">").Append(Encode(value)).AppendLine("</span></li>");
        }

        html.AppendLine("</ul>");
        Caveats(html, s);
        HtmlReportRenderer.Table(html, Buckets(s), s.Currency);
        HtmlReportRenderer.Table(html, RoutesAndModels(s), s.Currency);
        if (s.UnpricedModels.Count > 0)
        {
            HtmlReportRenderer.Table(html, Unpriced(s), s.Currency);
        }

        HtmlReportRenderer.Table(html, Daily(s), s.Currency);
        html.AppendLine("<section><h2>Allocation methods</h2><dl class=\"legend\">");
        foreach (var method in s.Methods)
        {
            html.Append("<dt>").Append(Encode(method.Id)).Append("</dt><dd>").Append(Encode(method.Description)).AppendLine("</dd>");
        }

        return html.AppendLine("</dl></section></body></html>").ToString();
    }

    private static void Caveats(StringBuilder html, Statement s)
    {
        var unpriced = s.UnpricedRequests > 0 || s.UnpricedTokens > 0;
        html.Append("<p class=\"").Append(unpriced ? "caveat" : "ok").Append("\" id=\"unpriced\" data-unpriced-requests=\"")
            .Append(s.UnpricedRequests.ToString(CultureInfo.InvariantCulture)).Append("\" data-unpriced-tokens=\"")
            .Append(s.UnpricedTokens.ToString(CultureInfo.InvariantCulture)).Append("\">")
            .Append(Encode(unpriced
                ? $"Unpriced usage: {s.UnpricedRequests:N0} API requests ({s.UnpricedTokens:N0} tokens) of this tenant in {s.Month} had no list price. " +
                  "Their cost is in this statement only for hours a provider invoice covered them; otherwise it is missing, not zero. " +
                  "`truecost prices missing` lists the models; a price added to Ledger:Prices and `truecost reallocate` restate the month."
                : $"Unpriced usage: none. Every API request of this tenant in {s.Month} had a list price."))
            .AppendLine("</p>");
        if (s.QuarantinedHours.Count > 0)
        {
            html.Append("<p class=\"caveat\" id=\"quarantined\">")
                .Append(Encode($"{s.QuarantinedHours.Count} hour(s) of {s.Month} could not be allocated and are in allocation_quarantine " +
                    $"(first {StatementCsv.Iso(s.QuarantinedHours[0])}): their cost is missing or stale here until they allocate."))
                .AppendLine("</p>");
        }
    }

    private static ReportTable Buckets(Statement s)
    {
        var t = s.Totals;
        var methods = s.Lines.GroupBy(l => l.Bucket).ToDictionary(g => g.Key, g => string.Join(", ", g.Select(l => l.MethodId).Distinct()));
        object?[] Row(string bucket, decimal amount) => [StatementText.Bucket(bucket), methods.GetValueOrDefault(bucket) ?? "—", amount];
        return new ReportTable("statement-buckets", "Totals by bucket",
            [new("Bucket", ColumnKind.Text), new("Allocation methods", ColumnKind.Text), new("Amount", ColumnKind.Money)],
            [
                Row(CostBuckets.DirectInference, t.DirectInference),
                ["  of which idle GPU capacity", AllocationMethods.PoolIdleShare.Id, t.Idle],
                Row(CostBuckets.PlatformOverhead, t.PlatformOverhead),
                Row(CostBuckets.Observability, t.Observability),
                Row(CostBuckets.Engineering, t.Engineering),
                Row(CostBuckets.Incident, t.Incident),
                ["Total", string.Empty, t.Total],
            ]);
    }

    private static ReportTable RoutesAndModels(Statement s)
    {
        var rows = s.Lines
            .GroupBy(l => (l.Route, l.Model))
            .OrderBy(g => g.Key.Route, StringComparer.Ordinal).ThenBy(g => g.Key.Model, StringComparer.Ordinal)
            .Select(g => (object?[])
            [
                g.Key.Route, g.Key.Model, .. CostBuckets.Five.Select(b => (object?)g.Where(l => l.Bucket == b).Sum(l => l.Amount)), g.Sum(l => l.Amount),
            ])
            .ToList();
        return new ReportTable("statement-routes", "By route and model",
            [new("Route", ColumnKind.Text), new("Model", ColumnKind.Text), .. CostBuckets.Five.Select(b => new ReportColumn(StatementText.Bucket(b), ColumnKind.Money)), new("Total", ColumnKind.Money)],
            rows);
    }

    private static ReportTable Unpriced(Statement s) => new("statement-unpriced", "Unpriced API usage by model",
        [new("Provider", ColumnKind.Text), new("Model", ColumnKind.Text), new("Requests", ColumnKind.Count), new("Tokens", ColumnKind.Count)],
        [.. s.UnpricedModels.Select(m => (object?[])[m.Provider, m.Model, m.Requests, m.Tokens])]);

    private static ReportTable Daily(Statement s) => new("statement-lines", "Lines by day, route, model and bucket",
        [
            new("Day (UTC)", ColumnKind.Text), new("Route", ColumnKind.Text), new("Model", ColumnKind.Text), new("Bucket", ColumnKind.Text),
            new("Allocation method", ColumnKind.Text), new("Requests", ColumnKind.Count), new("Tokens", ColumnKind.Count),
            new("Unpriced req.", ColumnKind.Count), new("Amount", ColumnKind.Money),
        ],
        [
            .. s.Lines.Select(l => (object?[])
            [
                l.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), l.Route, l.Model, StatementText.Bucket(l.Bucket, l.MethodId),
                l.MethodId, l.Requests, l.Tokens, l.UnpricedRequests, l.Amount,
            ]),
        ]);

    private static string Encode(string text) => HtmlReportRenderer.Encode(text);
}
