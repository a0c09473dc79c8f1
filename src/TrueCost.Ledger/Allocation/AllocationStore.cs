using System.Text.Json;
using Npgsql;
using TrueCost.Ledger.Incidents;
using TrueCost.Ledger.Storage;
using TrueCost.Ledger.Time;

namespace TrueCost.Ledger.Allocation;

/// <summary>Loads one hour's allocation inputs from the projections and stores its rows and audit entry.</summary>
public sealed class AllocationStore(LedgerOptions ledger)
{
    private readonly string _s = ledger.Schema;

    public async Task<HourInputs> LoadAsync(NpgsqlConnection conn, NpgsqlTransaction tx, DateTimeOffset hour, CancellationToken ct)
    {
        var usage = await ReadAsync(conn, tx, $"""
            select route, tenant, model, traffic_class, provider, serving_mode, gpu_pool, requests,
                   input_tokens + output_tokens, request_bytes + response_bytes, retry_tokens, api_cost
            from {_s}.{LedgerTables.UsageHourly} where hour = $1
            """, hour, r => new UsageInput(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetDecimal(11)), ct);
        var pools = await ReadAsync(conn, tx, $"select pool, busy_share, missing_gpu_seconds from {_s}.{LedgerTables.GpuPoolHourly} where hour = $1",
            hour, r => new PoolInput(r.GetString(0), r.IsDBNull(1) ? null : r.GetDouble(1), r.GetDouble(2)), ct);
        var lines = await ReadAsync(conn, tx, $"""
            select line_id, bucket, driver, pool, provider, model, routes, effective_cost
            from {_s}.{LedgerTables.CostLineHourly} where hour = $1 and currency = '{ledger.Currency}' order by line_id
            """, hour, r => new CostLineInput(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
                r.GetString(6).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), r.GetDecimal(7)), ct);
        var incidents = await ReadAsync(conn, tx, $"""
            select incident_id, window_start, window_end, affected::text, responder_cost, failed_request_cost, credits
            from {_s}.{LedgerTables.Incidents} where window_start < $1 + interval '1 hour' and window_end > $1 order by incident_id
            """, hour, r => IncidentShare(hour, r), ct);
        return new HourInputs(hour, usage, pools, lines, incidents);
    }

    public async Task<decimal?> SaveAsync(NpgsqlConnection conn, NpgsqlTransaction tx, HourAllocation result, string reason, CancellationToken ct)
    {
        decimal? previous;
        await using (var delete = new NpgsqlCommand($"with d as (delete from {_s}.{LedgerTables.CostHourly} where hour = $1 returning total) select sum(total), count(*) from d", conn, tx))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = result.Hour });
            await using var r = await delete.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            previous = r.GetInt64(1) == 0 ? null : r.GetDecimal(0);
        }

        var rows = result.Rows;
        await using (var insert = new NpgsqlCommand($"""
            insert into {_s}.{LedgerTables.CostHourly}
              (hour, route, tenant, model, traffic_class, currency, direct_inference, platform_overhead, observability, engineering, incident, idle, total)
            select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], $13::numeric[])
            """, conn, tx))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = result.Hour });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.Route).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.Tenant).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.Model).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.TrafficClass).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.Currency).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.DirectInference).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.PlatformOverhead).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.Observability).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.Engineering).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.Incident).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.Idle).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = rows.Select(x => x.Total).ToArray() });
            await insert.ExecuteNonQueryAsync(ct);
        }

        await using (var audit = new NpgsqlCommand($"""
            insert into {_s}.{LedgerTables.AllocationAudit} (hour, reason, input_total, previous_total, new_total, rows, sources)
            values ($1, $2, $3, $4, $5, $6, $7::jsonb)
            """, conn, tx))
        {
            audit.Parameters.Add(new NpgsqlParameter { Value = result.Hour });
            audit.Parameters.Add(new NpgsqlParameter { Value = reason });
            audit.Parameters.Add(new NpgsqlParameter { Value = result.InputTotal });
            audit.Parameters.Add(new NpgsqlParameter { Value = (object?)previous ?? DBNull.Value });
            audit.Parameters.Add(new NpgsqlParameter { Value = result.AllocatedTotal });
            audit.Parameters.Add(new NpgsqlParameter { Value = rows.Count });
            audit.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(result.Sources) });
            await audit.ExecuteNonQueryAsync(ct);
        }

        return previous;
    }

    /// <summary>An incident's costs spread evenly over its window; this hour gets its overlapping share.</summary>
    private static IncidentInput IncidentShare(DateTimeOffset hour, NpgsqlDataReader r)
    {
        var start = r.GetFieldValue<DateTimeOffset>(1);
        var end = r.GetFieldValue<DateTimeOffset>(2);
        var window = (decimal)Math.Max((end - start).Ticks, 1);
        var from = start > hour ? start : hour;
        var to = end < hour + UtcHour.Length ? end : hour + UtcHour.Length;
        var share = end <= start ? 1m : Math.Max(0, (to - from).Ticks) / window;
        var affected = JsonSerializer.Deserialize<AffectedScope>(r.GetString(3)) ?? AffectedScope.Everything;
        return new IncidentInput(r.GetString(0), affected, r.GetDecimal(4) * share, r.GetDecimal(5) * share, r.GetDecimal(6) * share);
    }

    private static async Task<List<T>> ReadAsync<T>(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, DateTimeOffset hour, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = hour });
        var list = new List<T>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(map(reader));
        }

        return list;
    }
}
