using Npgsql;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Storage;

namespace TrueCost.Reporting.Weekly;

/// <summary>GPU pool-hours with their utilization and direct-inference cost, for the weekly report and the cost explorer.</summary>
public sealed class PoolHourReader(NpgsqlDataSource dataSource, LedgerOptions ledger)
{
    private readonly string _usage = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.UsageHourly);
    private readonly string _lines = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostLineHourly);
    private readonly string _pools = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.GpuPoolHourly);

    /// <summary>Pool-hours with samples, with cost lines, or both: a pool that cost money but reported no GPU still shows.</summary>
    public async Task<IReadOnlyList<PoolHourInput>> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.Command($"""
            with samples as (select hour, pool, gpu_class, gpu_seconds, busy_share, util_mean, util_peak
                             from {_pools} where hour >= $1 and hour < $2),
                 cost as (select hour, pool, sum(effective_cost) as cost from {_lines}
                          where bucket = '{CostBuckets.DirectInference}' and pool <> '' and currency = $3 and hour >= $1 and hour < $2
                          group by hour, pool),
                 served as (select distinct hour, gpu_pool as pool from {_usage}
                            where serving_mode = '{ServingModes.SelfHosted}' and gpu_pool <> '' and input_tokens + output_tokens > 0
                              and hour >= $1 and hour < $2)
            select coalesce(s.hour, c.hour) as hour, coalesce(s.pool, c.pool) as pool, coalesce(s.gpu_class, ''), coalesce(s.gpu_seconds, 0),
                   s.busy_share, s.util_mean, s.util_peak, coalesce(c.cost, 0), exists (select 1 from served v where v.hour = coalesce(s.hour, c.hour) and v.pool = coalesce(s.pool, c.pool))
            from samples s full join cost c on c.hour = s.hour and c.pool = s.pool
            order by 2, 1
            """, from, to, ledger.Currency);
        var rows = new List<PoolHourInput>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new PoolHourInput(
                r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetString(2), r.GetDouble(3),
                r.IsDBNull(4) ? null : r.GetDouble(4), r.IsDBNull(5) ? null : r.GetDouble(5), r.IsDBNull(6) ? null : r.GetDouble(6),
                r.GetDecimal(7), r.GetBoolean(8)));
        }

        return rows;
    }
}
