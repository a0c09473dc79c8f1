using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.Queries;

public sealed record HourlyUsage(
    DateTimeOffset Hour,
    long Requests,
    long Errors,
    long Retries,
    long InputTokens,
    long OutputTokens,
    long SelfHostedRequests,
    decimal ApiCost,
    string Currency);

public sealed record KeyUsage(
    string Route,
    string Model,
    string TrafficClass,
    string Serving,
    long Requests,
    long Tenants,
    long InputTokens,
    long OutputTokens,
    decimal ApiCost,
    string Currency);

/// <summary>Read side of usage_hourly and priced_usage (list-price cost, written by the allocator) for the CLI, the API and reports.</summary>
public sealed class UsageQueries(NpgsqlDataSource dataSource, LedgerOptions ledger)
{
    private readonly string _usage = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.UsageHourly);
    private readonly string _priced = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.PricedUsage);

    public async Task<IReadOnlyList<HourlyUsage>> ByHourAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            select u.hour, sum(requests), sum(errors + timeouts), sum(retries), sum(input_tokens), sum(output_tokens),
                   sum(requests) filter (where serving_mode = 'self_hosted'),
                   coalesce((select sum(list_cost) from {_priced} p where p.hour = u.hour), 0), $3
            from {_usage} u where u.hour >= $1 and u.hour < $2
            group by u.hour order by u.hour
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from.UtcDateTime });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to.UtcDateTime });
        cmd.Parameters.Add(new NpgsqlParameter { Value = ledger.Currency });
        var rows = new List<HourlyUsage>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new HourlyUsage(
                new DateTimeOffset(r.GetDateTime(0), TimeSpan.Zero), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5),
                r.IsDBNull(6) ? 0 : r.GetInt64(6), r.GetDecimal(7), r.GetString(8)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<KeyUsage>> ByRouteModelAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            select route, model, traffic_class, case when gpu_pool = '' then serving_mode else serving_mode || ':' || gpu_pool end,
                   sum(requests), count(distinct tenant), sum(input_tokens), sum(output_tokens), sum(list_cost), min(currency)
            from {_priced} where hour >= $1 and hour < $2
            group by 1, 2, 3, 4 order by sum(list_cost) desc, sum(requests) desc
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from.UtcDateTime });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to.UtcDateTime });
        var rows = new List<KeyUsage>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new KeyUsage(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetDecimal(8), r.GetString(9)));
        }

        return rows;
    }

    /// <summary>Writes every usage_hourly row in the range as CSV (COPY … TO STDOUT), returning the row count.</summary>
    public async Task<long> ExportCsvAsync(DateTimeOffset from, DateTimeOffset to, TextWriter output, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var sql = $"""
            copy (select * from {_usage}
                  where hour >= '{from.UtcDateTime:yyyy-MM-ddTHH:mm:ss}Z' and hour < '{to.UtcDateTime:yyyy-MM-ddTHH:mm:ss}Z'
                  order by hour, route, tenant, model, traffic_class) to stdout with (format csv, header true)
            """;
        using var reader = await conn.BeginTextExportAsync(sql, ct);
        var lines = -1L;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            await output.WriteLineAsync(line.AsMemory(), ct);
            lines++;
        }

        return Math.Max(lines, 0);
    }
}
