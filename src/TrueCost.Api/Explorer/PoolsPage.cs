using System.Globalization;
using System.Text;
using Npgsql;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Api.Explorer;

/// <summary>
/// GPU pools: utilization as a heatmap (period × pool), KV-cache pressure the same way, and each pool's cost with
/// the part of it that paid for idle GPUs (the allocator's rule, as in the weekly report). Pools serve every
/// tenant, so only keys without a tenant see this page.
/// </summary>
internal static class PoolsPage
{
    private const string Title = "GPU pools";

    public static async Task<IResult> RenderAsync(HttpContext context, ExplorerQueries queries, NpgsqlDataSource db, LedgerOptions ledger, TimeProvider time)
    {
        if (ExplorerEndpoints.RefuseTenantKey(context, Title, queries.Currency) is { } refused)
        {
            return refused;
        }

        var ct = context.RequestAborted;
        var (caller, view) = await ViewForm.ReadAsync(context, queries, time);
        var inputs = await new PoolHourReader(db, ledger).ReadAsync(view.From, view.To, ct);
        var hours = inputs.Select(h => new PoolHour(h.Hour, h.Pool, h.GpuClass, h.GpuSeconds, h.BusyShare, h.UtilMean, h.UtilPeak, h.Cost, WeeklyReportComposer.IdleCost(h))).ToList();
        var pools = WeeklyReportComposer.Pools(hours);
        var pressure = await queries.PoolPressureAsync(view, ct);

        var periods = hours.Select(h => Period(h.Hour, view.Grain)).Concat(pressure.Select(p => Period(p.Hour, view.Grain))).Distinct().Order().ToList();
        var names = pools.Select(p => p.Pool).ToList();
        var utilization = hours.Where(h => h.UtilMean is not null && h.GpuSeconds > 0)
            .GroupBy(h => (Period(h.Hour, view.Grain), h.Pool))
            .Select(g => (g.Key.Item1, g.Key.Pool, Value: Math.Round(g.Sum(h => h.UtilMean!.Value * h.GpuSeconds) / g.Sum(h => h.GpuSeconds), 1)))
            .ToList();
        var kv = pressure.GroupBy(p => (Period(p.Hour, view.Grain), p.Pool))
            .Select(g => (g.Key.Item1, g.Key.Pool, Value: Math.Round(g.Max(p => p.KvCachePeak) * 100, 1)))
            .ToList();

        var body = new StringBuilder();
        body.Append(Html.Problems(view.Problems));
        body.Append(ViewForm.Render("/ui/pools", view, caller));
        body.Append(CultureInfo.InvariantCulture, $"""<p class="range">{Html.E(Html.Range(view.From, view.To))}: {pools.Count} pools, {Html.Money(pools.Sum(p => p.Cost))} {Html.E(queries.Currency)} of GPU cost, {Html.Money(pools.Sum(p => p.IdleCost))} of it idle.</p>""");
        if (pools.Count == 0)
        {
            body.Append("<p>No GPU pool reported samples or had GPU cost in this range.</p>");
        }
        else
        {
            var step = view.Grain.ToString().ToLowerInvariant();
            body.Append(Html.Chart("utilization", $"Mean GPU utilization (%) per {step} and pool, weighted by GPU seconds", Heatmap(periods, names, utilization, view.Grain, "Utilization %"),
                Matrix("utilization-table", "Mean GPU utilization (%)", periods, names, utilization, view.Grain)));
            body.Append(Html.Chart("kv-cache", $"Peak KV-cache usage (%) per {step} and pool (vLLM)", Heatmap(periods, names, kv, view.Grain, "KV-cache peak %"),
                Matrix("kv-cache-table", "Peak KV-cache usage (%)", periods, names, kv, view.Grain)));
        }

        body.Append(Html.Table(
            "pools",
            "Pools over the range: GPU hours, utilization, cost and the idle part of it",
            ["Pool", "GPU class", "GPU hours", "Mean utilization %", "Peak utilization %", "Peak KV-cache %", "Hours with KV-cache ≥ 90 %", "Cost", "Idle cost", "Idle share"],
            pools.Select(p => (IReadOnlyList<Cell>)
            [
                Cell.Text(p.Pool), Cell.Text(p.GpuClass), Cell.Number(p.GpuHours.ToString("#,##0.0", CultureInfo.InvariantCulture)),
                Cell.Number(p.UtilMean?.ToString("0.0", CultureInfo.InvariantCulture) ?? "–"), Cell.Number(p.UtilPeak?.ToString("0.0", CultureInfo.InvariantCulture) ?? "–"),
                Cell.Number(pressure.Where(x => x.Pool == p.Pool).Select(x => x.KvCachePeak * 100).DefaultIfEmpty().Max().ToString("0.0", CultureInfo.InvariantCulture)),
                Cell.Count(pressure.Count(x => x.Pool == p.Pool && x.KvCachePeak >= 0.9)),
                Cell.Money(p.Cost), Cell.Money(p.IdleCost), Cell.Number(Html.Percent(p.Cost == 0 ? null : p.IdleCost / p.Cost)),
            ])));
        return Html.Page(context, caller, Title, queries.Currency, body.ToString());
    }

    private static DateTimeOffset Period(DateTimeOffset hour, Grain grain) => grain switch
    {
        Grain.Hour => hour,
        Grain.Week => new DateTimeOffset(hour.UtcDateTime.Date, TimeSpan.Zero).AddDays(-(((int)hour.UtcDateTime.DayOfWeek + 6) % 7)),
        _ => new DateTimeOffset(hour.UtcDateTime.Date, TimeSpan.Zero),
    };

    private static object Heatmap(List<DateTimeOffset> periods, List<string> pools, List<(DateTimeOffset Period, string Pool, double Value)> cells, Grain grain, string label)
    {
        var x = periods.Select((p, i) => (p, i)).ToDictionary(t => t.p, t => t.i);
        var y = pools.Select((p, i) => (p, i)).ToDictionary(t => t.p, t => t.i);
        return new
        {
            kind = "heatmap",
            label,
            max = 100,
            x = periods.Select(p => ViewForm.Period(p, grain)).ToArray(),
            y = pools.ToArray(),
            cells = cells.Where(c => y.ContainsKey(c.Pool)).Select(c => new[] { x[c.Period], y[c.Pool], c.Value }).ToArray(),
        };
    }

    private static string Matrix(string id, string caption, List<DateTimeOffset> periods, List<string> pools, List<(DateTimeOffset Period, string Pool, double Value)> cells, Grain grain)
    {
        var byKey = cells.ToDictionary(c => (c.Period, c.Pool), c => c.Value);
        return Html.Table(id, caption, ["Period", .. pools], periods.Select(p => (IReadOnlyList<Cell>)
        [
            Cell.Text(ViewForm.Period(p, grain)),
            .. pools.Select(pool => Cell.Number(byKey.TryGetValue((p, pool), out var v) ? v.ToString("0.0", CultureInfo.InvariantCulture) : "–")),
        ]));
    }
}
