using System.Globalization;
using System.Text;
using TrueCost.Api.Auth;
using TrueCost.Api.Costs;

namespace TrueCost.Api.Explorer;

/// <summary>The controls that change a view (range, grain, and on the explorer grouping and filters), as a GET form so the URL holds the view.</summary>
internal static class ViewForm
{
    /// <summary>What the range inputs accept (a day or an hour, as <see cref="ExplorerView.Text"/> writes them); kept out of the interpolated markup, where {4} would be a hole.</summary>
    private const string RangePattern = @"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}Z)?";

    /// <summary>Reads the view of a request: its default range ends with the last day that has cost the caller may see.</summary>
    public static async Task<(Caller Caller, ExplorerView View)> ReadAsync(HttpContext context, ExplorerQueries queries, TimeProvider time)
    {
        var caller = Caller.From(context.User);
        var latest = await queries.LatestHourAsync(caller.Tenant, context.RequestAborted);
        return (caller, ExplorerView.Parse(context.Request.Query, caller, latest, time.GetUtcNow()));
    }

    /// <param name="values">Filter values to offer, per dimension; null for a form with range and grain only.</param>
    public static string Render(string action, ExplorerView view, Caller caller, IReadOnlyDictionary<ExplorerDimension, IReadOnlyList<string>>? values = null)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"""<form class="view" method="get" action="{action}" aria-label="View">""");
        if (values is not null)
        {
            sb.Append("""<div class="field"><label for="group_by">Group by</label><select id="group_by" name="group_by">""");
            foreach (var d in ExplorerDimensions.All.Where(d => caller.SeesAllTenants || d != ExplorerDimension.Tenant))
            {
                sb.Append(Option(d.Name(), d.Label(), d == view.GroupBy));
            }

            sb.Append("</select></div>");
            foreach (var d in ExplorerDimensions.All.Where(d => caller.SeesAllTenants || d != ExplorerDimension.Tenant))
            {
                var selected = view.Filter(d);
                sb.Append(CultureInfo.InvariantCulture, $"""<div class="field"><label for="f-{d.Name()}">{Html.E(d.Label())}</label><select id="f-{d.Name()}" name="{d.Name()}">""");
                sb.Append(Option("", "All", selected is null));
                var offered = values[d].ToList();
                if (selected is not null && !offered.Contains(selected))
                {
                    offered.Insert(0, selected);
                }

                foreach (var v in offered)
                {
                    sb.Append(Option(v, v, v == selected));
                }

                sb.Append("</select></div>");
            }
        }

        sb.Append(CultureInfo.InvariantCulture, $"""
            <div class="field"><label for="from">From (UTC)</label><input id="from" name="from" value="{Html.E(ExplorerView.Text(view.From))}" pattern="{RangePattern}" aria-describedby="range-help"></div>
            <div class="field"><label for="to">To (UTC, excluded)</label><input id="to" name="to" value="{Html.E(ExplorerView.Text(view.To))}" pattern="{RangePattern}" aria-describedby="range-help"></div>
            <div class="field"><label for="grain">Step</label><select id="grain" name="grain">
            """);
        foreach (var g in Enum.GetValues<Grain>())
        {
            sb.Append(Option(g.ToString().ToLowerInvariant(), g.ToString(), g == view.Grain));
        }

        sb.Append("""
            </select></div>
            <button type="submit">Show</button>
            <p id="range-help" class="help">Days as 2026-11-16 (midnight UTC) or hours as 2026-11-16T08:00Z.</p>
            </form>
            """);
        return sb.ToString();
    }

    /// <summary>The stacked series of the five buckets with idle split out of direct inference, so the stack adds up to the total.</summary>
    public static object BucketChart(IReadOnlyList<PeriodAmounts> series, Grain grain, string currency) => new
    {
        kind = "stacked",
        currency,
        x = series.Select(p => Period(p.Period, grain)).ToArray(),
        series = new object[]
        {
            new { name = "Direct inference (used)", values = series.Select(p => p.Amounts.DirectInference - p.Amounts.Idle).ToArray() },
            new { name = "Idle GPU capacity", values = series.Select(p => p.Amounts.Idle).ToArray() },
            new { name = "Platform overhead", values = series.Select(p => p.Amounts.PlatformOverhead).ToArray() },
            new { name = "Observability", values = series.Select(p => p.Amounts.Observability).ToArray() },
            new { name = "Engineering", values = series.Select(p => p.Amounts.Engineering).ToArray() },
            new { name = "Incident", values = series.Select(p => p.Amounts.Incident).ToArray() },
        },
    };

    public static readonly IReadOnlyList<string> BucketHeaders =
        ["Direct inference", "Platform overhead", "Observability", "Engineering", "Incident", "Idle (in direct inference)", "Total"];

    public static IEnumerable<Cell> BucketCells(CostAmounts a) =>
        [Cell.Money(a.DirectInference), Cell.Money(a.PlatformOverhead), Cell.Money(a.Observability), Cell.Money(a.Engineering), Cell.Money(a.Incident), Cell.Money(a.Idle), Cell.Money(a.Total)];

    public static string Period(DateTimeOffset at, Grain grain) => grain switch
    {
        Grain.Hour => at.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture),
        Grain.Week => "week of " + at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    public static CostAmounts Sum(IEnumerable<CostAmounts> rows)
    {
        var list = rows.ToList();
        return new CostAmounts(
            list.Sum(a => a.DirectInference), list.Sum(a => a.PlatformOverhead), list.Sum(a => a.Observability), list.Sum(a => a.Engineering),
            list.Sum(a => a.Incident), list.Sum(a => a.Idle), list.Sum(a => a.Total), list.Sum(a => a.UnpricedRequests), list.Sum(a => a.UnpricedTokens));
    }

    private static string Option(string value, string label, bool selected) =>
        $"<option value=\"{Html.E(value)}\"{(selected ? " selected" : "")}>{Html.E(label)}</option>";
}
