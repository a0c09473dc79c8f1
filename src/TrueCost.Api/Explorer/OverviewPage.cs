using System.Globalization;
using System.Text;
using TrueCost.Api.Auth;
using TrueCost.Api.Costs;

namespace TrueCost.Api.Explorer;

/// <summary>
/// The first page: the five buckets and idle over time, the total and its change against the previous period of
/// the same length, the routes and tenants (models, for a tenant key) that moved most, and the unpriced share.
/// </summary>
internal static class OverviewPage
{
    private const int Movers = 8;

    public static async Task<IResult> RenderAsync(HttpContext context, ExplorerQueries queries, TimeProvider time)
    {
        var ct = context.RequestAborted;
        var (caller, view) = await ViewForm.ReadAsync(context, queries, time);
        var second = caller.SeesAllTenants ? ExplorerDimension.Tenant : ExplorerDimension.Model;
        // Independent reads, each on a connection of its own, so the page waits for the slowest rather than the sum.
        var overviewRead = queries.OverviewAsync(view, [ExplorerDimension.Route, second], Movers, ct);
        var unpricedRead = queries.UnpricedAsync(view, caller.Tenant, ct);
        await Task.WhenAll(overviewRead, unpricedRead);
        var ((series, movers), unpriced) = (await overviewRead, await unpricedRead);
        var shown = series.Where(p => p.InView).ToList();
        var current = ViewForm.Sum(shown.Select(p => p.Amounts));
        var previous = ViewForm.Sum(series.Where(p => !p.InView).Select(p => p.Amounts));

        var body = new StringBuilder();
        body.Append(Html.Problems(view.Problems));
        body.Append(ViewForm.Render("/ui/", view, caller));
        body.Append(CultureInfo.InvariantCulture, $"""<p class="range">{Html.E(Html.Range(view.From, view.To))}, against {Html.E(Html.Range(view.PreviousFrom, view.From))}.</p>""");
        body.Append(Cards(current, previous, unpriced, queries.Currency));
        body.Append(Html.Chart(
            "buckets",
            $"Cost by bucket per {view.Grain.ToString().ToLowerInvariant()} ({queries.Currency}); idle GPU capacity is shown apart from the direct inference it belongs to",
            ViewForm.BucketChart(shown, view.Grain, queries.Currency),
            Html.Table("buckets-table", "Cost by bucket", ["Period", .. ViewForm.BucketHeaders],
                shown.Select(p => (IReadOnlyList<Cell>)[Cell.Text(ViewForm.Period(p.Period, view.Grain)), .. ViewForm.BucketCells(p.Amounts)]))));
        body.Append("""<div class="columns">""");
        body.Append(MoverTable("movers-route", ExplorerDimension.Route, movers[ExplorerDimension.Route], view));
        body.Append(MoverTable($"movers-{second.Name()}", second, movers[second], view));
        body.Append("</div>");
        return Html.Page(context, caller, "Overview", queries.Currency, body.ToString());
    }

    private static string Cards(CostAmounts current, CostAmounts previous, UnpricedShare unpriced, string currency)
    {
        var change = current.Total - previous.Total;
        var changeText = previous.Total == 0
            ? "no cost in the previous period"
            : $"{Html.Signed(change)} {currency} ({(change >= 0 ? "+" : "−")}{Html.Percent(Math.Abs(change) / previous.Total)}) against the previous period";
        var sb = new StringBuilder("""<section aria-label="Totals"><dl class="cards">""");
        sb.Append(CultureInfo.InvariantCulture, $"""<div class="card total"><dt>Total</dt><dd><span id="total" class="amount">{Html.Money(current.Total)} {Html.E(currency)}</span><span id="change" class="note">{Html.E(changeText)}</span></dd></div>""");
        (string Name, decimal Amount)[] buckets =
        [
            ("Direct inference", current.DirectInference), ("Platform overhead", current.PlatformOverhead), ("Observability", current.Observability),
            ("Engineering", current.Engineering), ("Incident", current.Incident),
        ];
        foreach (var (name, amount) in buckets)
        {
            sb.Append(CultureInfo.InvariantCulture, $"""<div class="card"><dt>{Html.E(name)}</dt><dd><span class="amount">{Html.Money(amount)}</span><span class="note">{Html.Percent(current.Total == 0 ? null : amount / current.Total)} of total</span></dd></div>""");
        }

        sb.Append(CultureInfo.InvariantCulture, $"""<div class="card"><dt>Idle GPU capacity</dt><dd><span class="amount">{Html.Money(current.Idle)}</span><span class="note">{Html.Percent(current.DirectInference == 0 ? null : current.Idle / current.DirectInference)} of direct inference</span></dd></div>""");
        var unpricedText = unpriced.Requests == 0
            ? "no API requests in the range"
            : $"{Html.Count(unpriced.UnpricedRequests)} of {Html.Count(unpriced.Requests)} API requests ({Html.Count(unpriced.UnpricedTokens)} tokens) had no list price and are not in these totals";
        sb.Append(CultureInfo.InvariantCulture, $"""<div class="card{(unpriced.UnpricedRequests > 0 ? " warn" : "")}"><dt>Unpriced share</dt><dd><span id="unpriced" class="amount">{Html.Percent(unpriced.RequestShare ?? 0)}</span><span class="note">{Html.E(unpricedText)}</span></dd></div>""");
        sb.Append("</dl></section>");
        return sb.ToString();
    }

    private static string MoverTable(string id, ExplorerDimension dimension, IReadOnlyList<Mover> movers, ExplorerView view) =>
        Html.Table(
            id,
            $"Top movers by {dimension.Label().ToLowerInvariant()} against the previous period",
            [dimension.Label(), "This period", "Previous period", "Change"],
            movers.Select(m => (IReadOnlyList<Cell>)
            [
                Cell.Link(m.Key, "/ui/explorer" + view.Query(groupBy: dimension.DrillInto(), filters: new Dictionary<ExplorerDimension, string?> { [dimension] = m.Key })),
                Cell.Money(m.Current), Cell.Money(m.Previous), Cell.Number(Html.Signed(m.Change)),
            ]));
}
