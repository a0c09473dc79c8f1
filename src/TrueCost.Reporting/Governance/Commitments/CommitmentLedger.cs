using Npgsql;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Storage;

namespace TrueCost.Reporting.Governance.Commitments;

/// <summary>
/// Reads what commitments are computed from: the FOCUS lines of each CommitmentDiscountId and the on-demand spend
/// beside them (cost_line_hourly, only the latest import of each FOCUS scope), a pool's hours with its on-demand invoice
/// cost (gpu_pool_hourly), and a provider's priced API usage (priced_usage). Only reads.
/// </summary>
public sealed class CommitmentLedger(NpgsqlDataSource dataSource, LedgerOptions ledger)
{
    private string Table(string name) => LedgerTables.QualifiedName(ledger.Schema, name);

    private string Counts => CostLineHourlyProjection.CountsSql(ledger.Schema, "c");

    /// <summary>Each FOCUS commitment with Usage lines in [from, to), with the uncovered on-demand spend of its scope (its pool, else its provider).</summary>
    public async Task<IReadOnlyList<FocusCommitmentLines>> FocusAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            with lines as (
                select c.* from {Table(LedgerTables.CostLineHourly)} c
                where c.hour >= $1 and c.hour < $2 and c.charge_category = 'Usage' and {Counts}),
            commitments as (
                select commitment_id, currency, min(hour) as first_hour, max(hour) as last_hour, count(distinct hour) as hours,
                       coalesce(sum(effective_cost) filter (where commitment_status = 'Used'), 0) as used,
                       coalesce(sum(effective_cost) filter (where commitment_status = 'Unused'), 0) as unused,
                       sum(list_cost) filter (where commitment_status = 'Used') as used_list,
                       mode() within group (order by pool) as pool,
                       mode() within group (order by provider) as provider
                from lines where coalesce(commitment_id, '') <> ''
                group by commitment_id, currency)
            select k.commitment_id, k.pool, k.provider, k.first_hour, k.last_hour, k.hours, k.used, k.unused, k.used_list,
                   coalesce((select sum(l.effective_cost) from lines l
                             where coalesce(l.commitment_id, '') = '' and l.bucket = 'direct_inference' and l.currency = k.currency
                               and (case when k.pool <> '' then l.pool = k.pool else l.pool = '' and l.provider = k.provider end)), 0),
                   k.currency
            from commitments k order by k.commitment_id, k.currency
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        var rows = new List<FocusCommitmentLines>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var pool = r.GetString(1);
            rows.Add(new FocusCommitmentLines(
                r.GetString(0), pool.Length > 0 ? $"pool {pool}" : $"provider {r.GetString(2)}",
                r.GetFieldValue<DateTimeOffset>(3), r.GetFieldValue<DateTimeOffset>(4), (int)r.GetInt64(5),
                r.GetDecimal(6), r.GetDecimal(7), r.IsDBNull(8) ? null : r.GetDecimal(8), r.GetDecimal(9), r.GetString(10)));
        }

        return rows;
    }

    /// <summary>A pool's hours in [from, to) with the cost of its direct-inference invoice lines no commitment covers.</summary>
    public async Task<IReadOnlyList<PoolHourUse>> PoolAsync(string pool, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            select g.hour, g.gpu_seconds / 3600.0, coalesce(g.busy_share, 0) * g.gpu_seconds / 3600.0, coalesce(o.cost, 0)
            from {Table(LedgerTables.GpuPoolHourly)} g
            left join (select c.hour, sum(c.effective_cost) as cost from {Table(LedgerTables.CostLineHourly)} c
                       where c.pool = $3 and c.bucket = 'direct_inference' and c.currency = $4 and coalesce(c.commitment_id, '') = ''
                         and c.hour >= $1 and c.hour < $2 and {Counts}
                       group by c.hour) o on o.hour = g.hour
            where g.pool = $3 and g.hour >= $1 and g.hour < $2
            order by g.hour
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        cmd.Parameters.Add(new NpgsqlParameter { Value = pool });
        cmd.Parameters.Add(new NpgsqlParameter { Value = ledger.Currency });
        var rows = new List<PoolHourUse>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new PoolHourUse(r.GetFieldValue<DateTimeOffset>(0), (decimal)r.GetDouble(1), (decimal)r.GetDouble(2), r.GetDecimal(3)));
        }

        return rows;
    }

    /// <summary>The list-price value and tokens of a provider's (and model's) API usage in [from, to), in the ledger currency.</summary>
    public async Task<TokenUse> TokensAsync(string provider, string? model, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            select coalesce(sum(list_cost), 0), coalesce(sum(input_tokens + output_tokens), 0)::bigint
            from {Table(LedgerTables.PricedUsage)}
            where hour >= $1 and hour < $2 and provider = $3 and ($4::text is null or model = $4) and currency = $5 and serving_mode = 'api'
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        cmd.Parameters.Add(new NpgsqlParameter { Value = provider });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)model ?? DBNull.Value, DataTypeName = "text" });
        cmd.Parameters.Add(new NpgsqlParameter { Value = ledger.Currency });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new TokenUse(r.GetDecimal(0), r.GetInt64(1));
    }
}
