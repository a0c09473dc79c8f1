using Npgsql;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Storage;

namespace TrueCost.Reporting.Weekly;

/// <summary>
/// Loads what the weekly report needs from the ledger's flat tables (cost_hourly, usage_hourly,
/// cost_line_hourly, gpu_pool_hourly) for an ISO week and the week before, then composes the report, with the
/// budgets, anomalies and forecasts of <paramref name="governance"/> when there is one.
/// </summary>
public sealed class WeeklyReportBuilder(NpgsqlDataSource dataSource, LedgerOptions ledger, IFindingsSource findings, TimeProvider time, IGovernanceSource? governance = null)
{
    private readonly string _cost = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostHourly);
    private readonly string _usage = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.UsageHourly);

    public async Task<WeeklyReport> BuildAsync(IsoWeek week, CancellationToken ct)
    {
        var inputs = await LoadAsync(week, ct);
        var open = await findings.OpenFindingsAsync(week, ct);
        var report = WeeklyReportComposer.Compose(inputs, open, time.GetUtcNow());
        return governance is null ? report : report with { Governance = await governance.ForWeekAsync(week, ct) };
    }

    public async Task<WeeklyInputs> LoadAsync(IsoWeek week, CancellationToken ct)
    {
        await EnsureSingleCurrencyAsync(week, ct);
        return new WeeklyInputs(week, ledger.Currency, await CostsAsync(week, ct), await UsageAsync(week, ct), await new PoolHourReader(dataSource, ledger).ReadAsync(week.Start, week.End, ct));
    }

    /// <summary>cost_hourly is kept in the ledger's currency; a row in another one would silently fall out of every total.</summary>
    private async Task EnsureSingleCurrencyAsync(IsoWeek week, CancellationToken ct)
    {
        await using var cmd = Command($"select currency, count(*) from {_cost} where hour >= $1 and hour < $2 and currency <> $3 group by 1", week.Previous().Start, week.End, ledger.Currency);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (await r.ReadAsync(ct))
        {
            throw new InvalidOperationException(
                $"{_cost} holds {r.GetInt64(1)} rows in {r.GetString(0)} between {week.Previous().Start:u} and {week.End:u}; " +
                $"the weekly report sums {ledger.Currency} (Ledger:Currency) and cannot leave them out");
        }
    }

    /// <summary>
    /// One pass over both weeks with grouping sets: the week total, each day, each route, tenant, model and
    /// route × traffic class. The grouping() bitmask (day, route, tenant, model, traffic_class) names the set.
    /// </summary>
    private async Task<List<CostSlice>> CostsAsync(IsoWeek week, CancellationToken ct)
    {
        await using var cmd = Command($"""
            select is_current,
                   case grouping(day, route, tenant, model, traffic_class)
                        when 31 then '{CostDimensions.Week}' when 15 then '{CostDimensions.Day}' when 23 then '{CostDimensions.Route}'
                        when 27 then '{CostDimensions.Tenant}' when 29 then '{CostDimensions.Model}' when 22 then '{CostDimensions.RouteClass}' end,
                   coalesce(route, tenant, model, to_char(day, 'YYYY-MM-DD'), ''), coalesce(traffic_class, ''),
                   sum(direct_inference), sum(platform_overhead), sum(observability), sum(engineering), sum(incident), sum(idle)
            from (select *, hour >= $2 as is_current, (hour at time zone 'UTC')::date as day
                  from {_cost} where hour >= $1 and hour < $3) c
            group by grouping sets ((is_current), (is_current, day), (is_current, route), (is_current, tenant), (is_current, model), (is_current, route, traffic_class))
            """, week.Previous().Start, week.Start, week.End);
        var slices = new List<CostSlice>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            slices.Add(new CostSlice(r.GetBoolean(0), r.GetString(1), r.GetString(2), r.GetString(3),
                new BucketAmounts(r.GetDecimal(4), r.GetDecimal(5), r.GetDecimal(6), r.GetDecimal(7), r.GetDecimal(8), r.GetDecimal(9))));
        }

        return slices;
    }

    private async Task<List<RouteClassUsage>> UsageAsync(IsoWeek week, CancellationToken ct)
    {
        await using var cmd = Command($"""
            select route, traffic_class, sum(requests)::bigint, sum(input_tokens + output_tokens)::bigint
            from {_usage} where hour >= $1 and hour < $2 group by 1, 2
            """, week.Start, week.End);
        var rows = new List<RouteClassUsage>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new RouteClassUsage(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3)));
        }

        return rows;
    }

    private NpgsqlCommand Command(string sql, params object[] parameters) => dataSource.Command(sql, parameters);
}
