using Npgsql;
using TrueCost.Api.Costs;
using TrueCost.Api.Querying;
using TrueCost.Ledger.Storage;

namespace TrueCost.Api.Explorer;

/// <summary>The five buckets, idle and unpriced usage of one period of a chart; <see cref="InView"/> is false for the previous period's hours.</summary>
internal sealed record PeriodAmounts(DateTimeOffset Period, bool InView, CostAmounts Amounts);

/// <summary>One group of the explorer's table: its cost, and the requests and tokens behind it (from usage_hourly).</summary>
internal sealed record GroupAmounts(string Key, CostAmounts Amounts, long Requests, long Tokens)
{
    /// <summary>Allocated cost per million tokens; null without tokens (a shared row, an invoice line without usage).</summary>
    public decimal? PerMillionTokens => Tokens == 0 ? null : Math.Round(Amounts.Total * 1_000_000m / Tokens, 4, MidpointRounding.AwayFromZero);
}

/// <summary>A group's total in the current and the previous period of the same length.</summary>
internal sealed record Mover(string Key, decimal Current, decimal Previous)
{
    public decimal Change => Current - Previous;
}

/// <summary>API requests of a range and how many of them had no list price.</summary>
internal sealed record UnpricedShare(long Requests, long Tokens, long UnpricedRequests, long UnpricedTokens)
{
    public decimal? RequestShare => Requests == 0 ? null : (decimal)UnpricedRequests / Requests;
}

/// <summary>
/// The explorer's reads over cost_hourly and usage_hourly, in the ledger's currency. The serving mode of a cost row
/// is that of its route × model in usage_hourly over the range ("hybrid" when both were used, "(none)" for rows
/// without usage such as shared overhead); filters and groups travel as parameters, names come only from code.
/// </summary>
internal sealed class ExplorerQueries(NpgsqlDataSource db, LedgerOptions ledger)
{
    private static readonly string Sums = string.Join(", ", CostAmounts.Columns.Concat(CostAmounts.CountColumns).Select(c => $"coalesce(sum(c.{c}), 0) as {c}"));
    private readonly string _cost = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostHourly);
    private readonly string _usage = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.UsageHourly);
    private readonly string _priced = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.PricedUsage);
    private readonly string _pools = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.GpuPoolHourly);

    public string Currency => ledger.Currency;

    public async Task<DateTimeOffset?> LatestHourAsync(string? tenant, CancellationToken ct)
    {
        var where = new SqlWhere().Add("currency", "=", ledger.Currency).AddIf("tenant", tenant);
        await using var cmd = where.Command(db, $"select max(hour) from {_cost} where {where.Sql}");
        // Npgsql reads a timestamptz as a UTC DateTime.
        return await cmd.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>
    /// The overview in one pass over [view.PreviousFrom, view.To): the five buckets per period of the view's grain,
    /// split at view.From (a period that straddles it comes as two rows, so <see cref="PeriodAmounts.InView"/> splits
    /// totals exactly at the range's start), and each value of <paramref name="movers"/> with its total in this
    /// period and the previous one, the <paramref name="top"/> that moved most first.
    /// </summary>
    public async Task<(IReadOnlyList<PeriodAmounts> Series, IReadOnlyDictionary<ExplorerDimension, IReadOnlyList<Mover>> Movers)> OverviewAsync(
        ExplorerView view, IReadOnlyList<ExplorerDimension> movers, int top, CancellationToken ct)
    {
        var f = Where(view, view.PreviousFrom, view.To);
        var inView = $"(c.hour >= {f.Where.Parameter(view.From)})";
        var period = Period(view.Grain);
        var keys = movers.Select(Column).ToList();
        var sets = string.Join(", ", keys.Select(k => $"({k}, {inView})").Prepend($"({period}, {inView})"));
        await using var cmd = f.Where.Command(db, $"""
            {f.Modes} select grouping({string.Join(", ", keys.Prepend(period))}), {period}, {string.Join(", ", keys)}, {inView}, {Sums}
            from {_cost} c {f.Join} where {f.Cost} group by grouping sets ({sets})
            """);
        var series = new List<PeriodAmounts>();
        var moved = movers.ToDictionary(d => d, _ => new Dictionary<string, (decimal Current, decimal Previous)>(StringComparer.Ordinal));
        var all = 1 << movers.Count;
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var set = r.GetInt32(0);
            var current = r.GetBoolean(2 + movers.Count);
            var amounts = CostAmounts.Read(r, 3 + movers.Count);
            if (set == all - 1)
            {
                series.Add(new PeriodAmounts(r.GetFieldValue<DateTimeOffset>(1), current, amounts));
                continue;
            }

            var index = GroupedColumn(set, movers.Count);
            var totals = moved[movers[index]];
            var key = r.GetString(2 + index);
            var (cur, prev) = totals.GetValueOrDefault(key);
            totals[key] = current ? (cur + amounts.Total, prev) : (cur, prev + amounts.Total);
        }

        return (
            [.. series.OrderBy(p => p.Period).ThenBy(p => p.InView)],
            moved.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Mover>)[.. kv.Value
                .Select(m => new Mover(m.Key, m.Value.Current, m.Value.Previous))
                .OrderByDescending(m => Math.Abs(m.Change)).ThenBy(m => m.Key, StringComparer.Ordinal).Take(top)]));
    }

    /// <summary>Every group of the view with its cost, requests and tokens, costliest first.</summary>
    public async Task<IReadOnlyList<GroupAmounts>> GroupsAsync(ExplorerView view, CancellationToken ct)
    {
        var f = Where(view, view.From, view.To);
        var key = Column(view.GroupBy);
        await using var cmd = f.Where.Command(db, $"""
            {f.Modes}{(f.Modes.Length == 0 ? "with" : ",")}
                 cost as (select {key} as g, {Sums} from {_cost} c {f.Join} where {f.Cost} group by 1),
                 used as (select {key} as g, sum(c.requests) as requests, sum(c.input_tokens + c.output_tokens) as tokens
                          from {_usage} c {f.Join} where {f.Where.Sql} group by 1)
            select cost.*, coalesce(used.requests, 0)::bigint, coalesce(used.tokens, 0)::bigint
            from cost left join used using (g) order by total desc, g
            """);
        var rows = new List<GroupAmounts>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new GroupAmounts(r.GetString(0), CostAmounts.Read(r, 1), r.GetInt64(10), r.GetInt64(11)));
        }

        return rows;
    }

    /// <summary>Each group's total per period, for the stacked chart.</summary>
    public async Task<IReadOnlyList<(DateTimeOffset Period, string Key, decimal Total)>> GroupSeriesAsync(ExplorerView view, CancellationToken ct)
    {
        var f = Where(view, view.From, view.To);
        await using var cmd = f.Where.Command(db, $"""
            {f.Modes} select {Period(view.Grain)}, {Column(view.GroupBy)}, sum(c.total)
            from {_cost} c {f.Join} where {f.Cost} group by 1, 2 order by 1, 2
            """);
        var rows = new List<(DateTimeOffset, string, decimal)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add((r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetDecimal(2)));
        }

        return rows;
    }

    /// <summary>The values each filter can take over the view's range (the caller's tenant only, for a tenant key).</summary>
    public async Task<IReadOnlyDictionary<ExplorerDimension, IReadOnlyList<string>>> FilterValuesAsync(ExplorerView view, string? tenant, CancellationToken ct)
    {
        var scoped = view with { Filters = tenant is null ? new Dictionary<ExplorerDimension, string>() : new Dictionary<ExplorerDimension, string> { [ExplorerDimension.Tenant] = tenant } };
        var f = Where(scoped, view.From, view.To, withModes: true);
        var columns = ExplorerDimensions.All.Select(Column).ToList();
        await using var cmd = f.Where.Command(db, $"""
            {f.Modes} select grouping({string.Join(", ", columns)}), {string.Join(", ", columns)}
            from {_cost} c {f.Join} where {f.Cost} group by grouping sets ({string.Join(", ", columns.Select(c => $"({c})"))})
            """);
        var values = ExplorerDimensions.All.ToDictionary(d => d, _ => new List<string>());
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var i = GroupedColumn(r.GetInt32(0), columns.Count);
            values[ExplorerDimensions.All[i]].Add(r.GetString(1 + i));
        }

        foreach (var list in values.Values)
        {
            list.Sort(StringComparer.Ordinal);
        }

        return values.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value);
    }

    /// <summary>Each pool-hour's KV-cache peak (a fraction, as vLLM reports it) and queue-depth peak.</summary>
    public async Task<IReadOnlyList<(DateTimeOffset Hour, string Pool, double KvCachePeak, double QueuePeak)>> PoolPressureAsync(ExplorerView view, CancellationToken ct)
    {
        var where = new SqlWhere().Add("hour", ">=", view.From).Add("hour", "<", view.To);
        await using var cmd = where.Command(db, $"select hour, pool, kv_cache_peak, queue_depth_peak from {_pools} where {where.Sql} order by 2, 1");
        var rows = new List<(DateTimeOffset, string, double, double)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add((r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetDouble(2), r.GetDouble(3)));
        }

        return rows;
    }

    /// <summary>API usage of the range with and without a list price (as /v1/issues counts it), for one tenant or all.</summary>
    public async Task<UnpricedShare> UnpricedAsync(ExplorerView view, string? tenant, CancellationToken ct)
    {
        var where = new SqlWhere().Add("hour", ">=", view.From).Add("hour", "<", view.To).AddIf("tenant", tenant);
        await using var cmd = where.Command(db, $"""
            select coalesce(sum(requests), 0)::bigint, coalesce(sum(input_tokens + output_tokens), 0)::bigint,
                   coalesce(sum(unpriced_requests), 0)::bigint, coalesce(sum(unpriced_tokens), 0)::bigint
            from {_priced} where {where.Sql} and serving_mode = 'api'
            """);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new UnpricedShare(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3));
    }

    /// <summary>The view's filter over [from, to) on table alias c, and the serving-mode CTE when the view needs it.</summary>
    private ViewFilter Where(ExplorerView view, DateTimeOffset from, DateTimeOffset to, bool withModes = false)
    {
        var where = new SqlWhere().Add("c.hour", ">=", from).Add("c.hour", "<", to);
        foreach (var d in ExplorerDimensions.All.Where(d => d != ExplorerDimension.ServingMode))
        {
            where.AddIf($"c.{d.Name()}", view.Filter(d));
        }

        var needsModes = withModes || view.GroupBy == ExplorerDimension.ServingMode || view.Filter(ExplorerDimension.ServingMode) is not null;
        var currency = where.Parameter(ledger.Currency);
        if (!needsModes)
        {
            return new ViewFilter(where, currency, "");
        }

        where.AddIf($"coalesce(m.serving_mode, '{NoMode}')", view.Filter(ExplorerDimension.ServingMode));
        // Within a tenant's view, modes come from that tenant's usage only: another tenant's traffic on the same route
        // and model must not turn the label into "hybrid".
        var tenant = view.Filter(ExplorerDimension.Tenant) is { } t ? $" and tenant = {where.Parameter(t)}" : "";
        var modes = $"""
            with modes as (select route, model, case when count(distinct serving_mode) > 1 then 'hybrid' else min(serving_mode) end as serving_mode
                           from {_usage} where hour >= {where.Parameter(from)} and hour < {where.Parameter(to)}{tenant} group by 1, 2)
            """;
        return new ViewFilter(where, currency, modes);
    }

    public const string NoMode = "(none)";

    /// <summary>A view's conditions; <see cref="Cost"/> adds the ledger's currency for cost_hourly, <see cref="Join"/> the serving modes when needed.</summary>
    private sealed record ViewFilter(SqlWhere Where, string CurrencyParameter, string Modes)
    {
        public string Cost => $"{Where.Sql} and c.currency = {CurrencyParameter}";

        public string Join => Modes.Length == 0 ? "" : "left join modes m on m.route = c.route and m.model = c.model";
    }

    private static string Column(ExplorerDimension d) => d == ExplorerDimension.ServingMode ? $"coalesce(m.serving_mode, '{NoMode}')" : $"c.{d.Name()}";

    /// <summary>
    /// Which of the last <paramref name="columns"/> arguments of grouping() a row of a one-column grouping set was
    /// grouped by: grouping() sets a bit for every argument left out, the last argument in the lowest bit.
    /// </summary>
    private static int GroupedColumn(int grouping, int columns) => Enumerable.Range(0, columns).Single(i => (grouping & (1 << (columns - 1 - i))) == 0);

    /// <summary>
    /// The UTC hour, day or ISO week (from Monday) an hour falls in. date_bin is arithmetic on the timestamp, where
    /// date_trunc with a time zone looks the zone up for every row; 2000-01-03 was a Monday.
    /// </summary>
    private static string Period(Grain grain) => grain switch
    {
        Grain.Hour => "c.hour",
        Grain.Day => "date_bin('1 day', c.hour, timestamptz '2000-01-03 00:00:00+00')",
        _ => "date_bin('7 days', c.hour, timestamptz '2000-01-03 00:00:00+00')",
    };
}
