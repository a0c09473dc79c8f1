using Npgsql;
using TrueCost.Ledger.Allocation;
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
    decimal Total,
    long UnpricedRequests = 0,
    long UnpricedTokens = 0);

/// <summary>Something the allocator could not cost as it came, summed over a range: unpriced usage, lines without an FX rate, invoices without usage, unmapped GPU spend.</summary>
public sealed record IssueSummary(string Kind, string Subject, string Reason, decimal? Amount, string? Currency, long Requests, long Tokens, long Hours);

/// <summary>Read side of cost_hourly, its audit trail and the allocation issues.</summary>
public sealed class CostQueries(NpgsqlDataSource dataSource, LedgerOptions ledger)
{
    private readonly string _cost = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostHourly);
    private readonly string _queue = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.AllocationQueue);
    private readonly string _issues = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.AllocationIssues);

    /// <summary>
    /// The allocation issues of a range, one line per kind and subject. An unpriced model's reason names the
    /// hour it was first seen in, so reasons are summarized per subject without the hour.
    /// </summary>
    public async Task<IReadOnlyList<IssueSummary>> IssuesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            select kind, subject, min(reason), sum(amount), min(currency), sum(requests), sum(tokens), count(distinct hour)
            from (
                select kind, subject, reason, amount, currency, requests, tokens, hour from {_issues} where hour >= $1 and hour < $2
                union all
                select '{AllocationIssue.QuarantinedHour}', to_char(hour at time zone 'UTC', 'YYYY-MM-DD"T"HH24":00Z"'), error, null, null, 0, 0, hour
                from {LedgerTables.QualifiedName(ledger.Schema, LedgerTables.AllocationQuarantine)} where hour >= $1 and hour < $2
            ) i
            group by kind, subject order by kind, sum(tokens) desc, sum(amount) desc nulls last, subject
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        var rows = new List<IssueSummary>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new IssueSummary(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetDecimal(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7)));
        }

        return rows;
    }

    /// <summary>Requests and tokens of a range with and without a list price (API usage only).</summary>
    public async Task<(long Requests, long Tokens, long UnpricedRequests, long UnpricedTokens)> PricedShareAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            select coalesce(sum(requests), 0), coalesce(sum(input_tokens + output_tokens), 0), coalesce(sum(unpriced_requests), 0), coalesce(sum(unpriced_tokens), 0)
            from {LedgerTables.QualifiedName(ledger.Schema, LedgerTables.PricedUsage)} where hour >= $1 and hour < $2 and serving_mode = 'api'
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3));
    }

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
            select {label}, sum(direct_inference), sum(platform_overhead), sum(observability), sum(engineering), sum(incident), sum(idle), sum(total),
                   sum(unpriced_requests), sum(unpriced_tokens)
            from {_cost} where hour >= $1 and hour < $2 group by 1 order by {(dimension == "hour" ? "1" : "8 desc, 1")}
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        var rows = new List<CostLine>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new CostLine(r.GetString(0), r.GetDecimal(1), r.GetDecimal(2), r.GetDecimal(3), r.GetDecimal(4), r.GetDecimal(5), r.GetDecimal(6), r.GetDecimal(7),
                (long)r.GetDecimal(8), (long)r.GetDecimal(9)));
        }

        return rows;
    }

    public async Task<long> QueuedHoursAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select count(*) from {_queue}");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
