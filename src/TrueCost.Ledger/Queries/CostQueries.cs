using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.Queries;

public sealed record CostLine(
    string Label,
    decimal DirectInference,
    decimal PlatformOverhead,
    decimal Observability,
    decimal Engineering,
    decimal Incident,
    decimal Idle,
    decimal Total);

/// <summary>Read side of cost_hourly and its audit trail.</summary>
public sealed class CostQueries(NpgsqlDataSource dataSource, LedgerOptions ledger)
{
    private readonly string _cost = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostHourly);
    private readonly string _queue = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.AllocationQueue);
    private readonly string _audit = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.AllocationAudit);

    /// <summary>Cost per hour, or grouped by one dimension (route, tenant, model, traffic_class).</summary>
    public async Task<IReadOnlyList<CostLine>> GroupedAsync(string dimension, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var label = dimension switch
        {
            "hour" => "to_char(hour at time zone 'UTC', 'YYYY-MM-DD HH24:00')",
            "route" or "tenant" or "model" or "traffic_class" => dimension,
            _ => throw new ArgumentException($"cannot group cost by '{dimension}': use hour, route, tenant, model or traffic_class", nameof(dimension)),
        };
        await using var cmd = dataSource.CreateCommand($"""
            select {label}, sum(direct_inference), sum(platform_overhead), sum(observability), sum(engineering), sum(incident), sum(idle), sum(total)
            from {_cost} where hour >= $1 and hour < $2 group by 1 order by {(dimension == "hour" ? "1" : "8 desc, 1")}
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        var rows = new List<CostLine>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new CostLine(r.GetString(0), r.GetDecimal(1), r.GetDecimal(2), r.GetDecimal(3), r.GetDecimal(4), r.GetDecimal(5), r.GetDecimal(6), r.GetDecimal(7)));
        }

        return rows;
    }

    public async Task<long> QueuedHoursAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select count(*) from {_queue}");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The conservation check: per hour, the latest allocation's exact input total rounded to the
    /// cent against what cost_hourly holds. Returns the hours that do not match (none, normally).
    /// </summary>
    public async Task<(decimal Input, decimal Allocated, IReadOnlyList<DateTimeOffset> Mismatched)> ReconcileAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            with latest as (select distinct on (hour) hour, round(input_total, 2) as input from {_audit}
                            where hour >= $1 and hour < $2 order by hour, id desc),
                 held as (select hour, sum(total) as allocated from {_cost} where hour >= $1 and hour < $2 group by hour)
            select l.hour, l.input, coalesce(h.allocated, 0) from latest l left join held h using (hour) order by l.hour
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        decimal input = 0, allocated = 0;
        var mismatched = new List<DateTimeOffset>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            input += r.GetDecimal(1);
            allocated += r.GetDecimal(2);
            if (r.GetDecimal(1) != r.GetDecimal(2))
            {
                mismatched.Add(r.GetFieldValue<DateTimeOffset>(0));
            }
        }

        return (input, allocated, mismatched);
    }
}
