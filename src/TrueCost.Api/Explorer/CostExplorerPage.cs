using System.Globalization;
using System.Text;
using CsvHelper;
using TrueCost.Api.Auth;
using TrueCost.Api.Costs;

namespace TrueCost.Api.Explorer;

/// <summary>
/// Group by and filter on route, tenant, model, traffic class and serving mode: a stacked chart of the largest
/// groups over time, and a table of every group with its buckets, total, share, requests, tokens and cost per
/// million tokens. The URL holds the view; the CSV link downloads exactly the table's rows.
/// </summary>
internal static class CostExplorerPage
{
    private const int ChartGroups = 8;
    private const string Other = "(other groups)";

    public static async Task<IResult> RenderAsync(HttpContext context, ExplorerQueries queries, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var (caller, view) = await ViewForm.ReadAsync(context, queries, time);
        var groupsRead = queries.GroupsAsync(view, ct);
        var seriesRead = queries.GroupSeriesAsync(view, ct);
        var valuesRead = queries.FilterValuesAsync(view, caller.Tenant, ct);
        await Task.WhenAll(groupsRead, seriesRead, valuesRead);
        var (groups, series, values) = (await groupsRead, await seriesRead, await valuesRead);
        var total = ViewForm.Sum(groups.Select(g => g.Amounts));
        var tokens = groups.Sum(g => g.Tokens);

        var body = new StringBuilder();
        body.Append(Html.Problems(view.Problems));
        body.Append(ViewForm.Render("/ui/explorer", view, caller, values));
        body.Append(ActiveFilters(view, caller));
        body.Append(CultureInfo.InvariantCulture, $"""
            <p class="range">{Html.E(Html.Range(view.From, view.To))}: {groups.Count} {Html.E(view.GroupBy.Label().ToLowerInvariant())} groups,
            <span id="explorer-total">{Html.Money(total.Total)} {Html.E(queries.Currency)}</span>.
            <a id="csv" href="/ui/explorer.csv{Html.E(view.Query())}" download>Download this table as CSV</a>{ApiLink(view)}</p>
            """);
        body.Append(Html.Chart("groups", $"Total cost per {view.Grain.ToString().ToLowerInvariant()} by {view.GroupBy.Label().ToLowerInvariant()} ({queries.Currency}), the {ChartGroups} largest groups",
            GroupChart(view, groups, series, queries.Currency)));
        var headers = new List<string> { view.GroupBy.Label() };
        headers.AddRange(ViewForm.BucketHeaders);
        headers.AddRange(["Share", "Requests", "Tokens", $"{queries.Currency} per 1M tokens", "Unpriced requests"]);
        body.Append(Html.Table(
            "costs",
            $"Cost by {view.GroupBy.Label().ToLowerInvariant()}; a group's name opens it, split by {view.GroupBy.DrillInto().Label().ToLowerInvariant()}",
            headers,
            groups.Select(g => Row(
                Cell.Link(g.Key, "/ui/explorer" + view.Query(groupBy: view.GroupBy.DrillInto(), filters: new Dictionary<ExplorerDimension, string?> { [view.GroupBy] = g.Key })),
                g.Amounts, total.Total, g.Requests, g.Tokens, g.PerMillionTokens)),
            Row(Cell.Text("Total"), total, total.Total, groups.Sum(g => g.Requests), tokens, tokens == 0 ? null : Math.Round(total.Total * 1_000_000m / tokens, 4, MidpointRounding.AwayFromZero))));
        return Html.Page(context, caller, "Explorer", queries.Currency, body.ToString());
    }

    /// <summary>The table's rows as CSV, in its order, with /v1/costs.csv's column names and the usage columns after them.</summary>
    public static async Task<IResult> CsvAsync(HttpContext context, ExplorerQueries queries, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var (_, view) = await ViewForm.ReadAsync(context, queries, time);
        var groups = await queries.GroupsAsync(view, ct);
        var file = $"costs_by_{view.GroupBy.Name()}_{view.From:yyyyMMdd'T'HH}Z_{view.To:yyyyMMdd'T'HH}Z.csv";
        return Results.Stream(async body =>
        {
            await using var csv = CsvWriter.Create(body, CsvWriterOptions.Default with { FormatProvider = CultureInfo.InvariantCulture }, leaveOpen: true);
            foreach (var name in new[] { view.GroupBy.Name(), "currency" }.Concat(CostAmounts.Columns).Concat(CostAmounts.CountColumns).Concat(["requests", "tokens", "cost_per_1m_tokens"]))
            {
                csv.WriteField(name);
            }

            await csv.EndRecordAsync(ct);
            foreach (var g in groups)
            {
                csv.WriteField(g.Key);
                csv.WriteField(queries.Currency);
                foreach (var v in g.Amounts.Values())
                {
                    csv.WriteField(v);
                }

                foreach (var n in g.Amounts.Counts())
                {
                    csv.WriteField(n);
                }

                csv.WriteField(g.Requests);
                csv.WriteField(g.Tokens);
                csv.WriteField(g.PerMillionTokens?.ToString(CultureInfo.InvariantCulture) ?? "");
                await csv.EndRecordAsync(ct);
            }
        }, CostExports.CsvContentType, file);
    }

    private static IReadOnlyList<Cell> Row(Cell key, CostAmounts a, decimal grandTotal, long requests, long tokens, decimal? perMillion) =>
    [
        key, .. ViewForm.BucketCells(a),
        Cell.Number(Html.Percent(grandTotal == 0 ? null : a.Total / grandTotal)), Cell.Count(requests), Cell.Count(tokens),
        Cell.Number(perMillion?.ToString("#,##0.0000", CultureInfo.InvariantCulture) ?? "–"), Cell.Count(a.UnpricedRequests),
    ];

    /// <summary>Each filter set, with a link that removes it (a tenant key's own tenant cannot be removed).</summary>
    private static string ActiveFilters(ExplorerView view, Caller caller)
    {
        var removable = view.Filters.Where(f => caller.SeesAllTenants || f.Key != ExplorerDimension.Tenant).ToList();
        if (removable.Count == 0)
        {
            return "";
        }

        var sb = new StringBuilder("""<ul class="chips" aria-label="Filters">""");
        foreach (var (d, v) in removable)
        {
            var href = "/ui/explorer" + view.Query(filters: new Dictionary<ExplorerDimension, string?> { [d] = null });
            sb.Append(CultureInfo.InvariantCulture, $"""<li>{Html.E(d.Label())}: <b>{Html.E(v)}</b> <a href="{Html.E(href)}" aria-label="Remove the {Html.E(d.Label().ToLowerInvariant())} filter {Html.E(v)}">×</a></li>""");
        }

        return sb.Append("</ul>").ToString();
    }

    /// <summary>The same rows from the API, where it can group the same way (it has no serving mode).</summary>
    private static string ApiLink(ExplorerView view)
    {
        if (view.GroupBy == ExplorerDimension.ServingMode || view.Filter(ExplorerDimension.ServingMode) is not null)
        {
            return "";
        }

        var query = new StringBuilder($"?from={Uri.EscapeDataString(view.From.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(view.To.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))}&group_by={view.GroupBy.Name()}");
        foreach (var (d, v) in view.Filters)
        {
            query.Append(CultureInfo.InvariantCulture, $"&{d.Name()}={Uri.EscapeDataString(v)}");
        }

        return $""" · <a id="api-csv" href="/v1/costs.csv{Html.E(query.ToString())}">the same from the API (/v1/costs.csv)</a>""";
    }

    private static object GroupChart(ExplorerView view, IReadOnlyList<GroupAmounts> groups, IReadOnlyList<(DateTimeOffset Period, string Key, decimal Total)> series, string currency)
    {
        var top = groups.Take(ChartGroups).Select(g => g.Key).ToList();
        var periods = series.Select(s => s.Period).Distinct().Order().ToList();
        var index = periods.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        var names = groups.Count > ChartGroups ? [.. top, Other] : top;
        var values = names.ToDictionary(n => n, _ => new decimal[periods.Count]);
        foreach (var (period, key, total) in series)
        {
            values[top.Contains(key) ? key : Other][index[period]] += total;
        }

        return new
        {
            kind = "stacked",
            currency,
            x = periods.Select(p => ViewForm.Period(p, view.Grain)).ToArray(),
            series = names.Select(n => new { name = n, values = values[n] }).ToArray(),
        };
    }
}
