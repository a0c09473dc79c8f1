using Npgsql;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Storage;

namespace TrueCost.Reporting.Statements;

/// <summary>cost_hourly holds no row of the tenant in the month: there is nothing to state.</summary>
public sealed class NoCostRowsException(string message) : Exception(message);

/// <summary>
/// Loads a tenant's month from the ledger (cost_hourly, priced_usage, the drivers of cost_line_hourly, the quarantined
/// hours) and builds its statement. Reads only; in the ledger's reporting currency (Ledger:Currency).
/// </summary>
public sealed class StatementLoader(NpgsqlDataSource dataSource, LedgerOptions ledger, TimeProvider time)
{
    private readonly string _cost = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostHourly);
    private readonly string _priced = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.PricedUsage);
    private readonly string _lines = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostLineHourly);
    private readonly string _quarantine = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.AllocationQuarantine);

    /// <exception cref="NoCostRowsException">The tenant has no cost row in the month (the message names the months it has).</exception>
    /// <exception cref="InvalidOperationException">Rows in another currency, or lines that do not sum to cost_hourly.</exception>
    public async Task<Statement> LoadAsync(string tenant, StatementMonth month, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenant);
        await EnsureSingleCurrencyAsync(tenant, month, ct);
        var costs = await CostsAsync(tenant, month, ct);
        if (costs.Count == 0)
        {
            throw new NoCostRowsException(await NothingToStateAsync(tenant, month, ct));
        }

        var inputs = new StatementInputs(
            tenant, month, ledger.Currency, costs, await UsageAsync(tenant, month, ct), await DriversAsync(month, ct),
            await QuarantinedAsync(month, ct), await TotalsAsync(tenant, month, ct));
        return StatementBuilder.Build(inputs, time.GetUtcNow());
    }

    private async Task EnsureSingleCurrencyAsync(string tenant, StatementMonth month, CancellationToken ct)
    {
        await using var cmd = Command($"select currency, count(*) from {_cost} where tenant = $1 and hour >= $2 and hour < $3 and currency <> $4 group by 1",
            tenant, month.Start, month.End, ledger.Currency);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (await r.ReadAsync(ct))
        {
            throw new InvalidOperationException(
                $"{_cost} holds {r.GetInt64(1)} rows of tenant '{tenant}' in {r.GetString(0)} in {month}; the statement is in {ledger.Currency} (Ledger:Currency) and cannot leave them out");
        }
    }

    private async Task<List<DayCost>> CostsAsync(string tenant, StatementMonth month, CancellationToken ct)
    {
        await using var cmd = Command($"""
            select (hour at time zone 'UTC')::date, route, model,
                   sum(direct_inference), sum(platform_overhead), sum(observability), sum(engineering), sum(incident), sum(idle),
                   sum(unpriced_requests)::bigint, sum(unpriced_tokens)::bigint
            from {_cost} where tenant = $1 and hour >= $2 and hour < $3 and currency = $4
            group by 1, 2, 3 order by 1, 2, 3
            """, tenant, month.Start, month.End, ledger.Currency);
        var rows = new List<DayCost>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new DayCost(r.GetFieldValue<DateOnly>(0), r.GetString(1), r.GetString(2), Amounts(r, 3), r.GetInt64(9), r.GetInt64(10)));
        }

        return rows;
    }

    /// <summary>cost_hourly's own sums, by a query of their own, for the statement to be checked against.</summary>
    private async Task<BucketAmounts> TotalsAsync(string tenant, StatementMonth month, CancellationToken ct)
    {
        await using var cmd = Command($"""
            select coalesce(sum(direct_inference), 0), coalesce(sum(platform_overhead), 0), coalesce(sum(observability), 0),
                   coalesce(sum(engineering), 0), coalesce(sum(incident), 0), coalesce(sum(idle), 0), coalesce(sum(total), 0)
            from {_cost} where tenant = $1 and hour >= $2 and hour < $3 and currency = $4
            """, tenant, month.Start, month.End, ledger.Currency);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var amounts = Amounts(r, 0);
        var total = r.GetDecimal(6);
        return amounts.Total == total
            ? amounts
            : throw new InvalidOperationException($"{_cost}: tenant '{tenant}' in {month} has total {total:0.00} but its buckets sum to {amounts.Total:0.00}");
    }

    private async Task<List<DayUsage>> UsageAsync(string tenant, StatementMonth month, CancellationToken ct)
    {
        await using var cmd = Command($"""
            select (hour at time zone 'UTC')::date, route, model, serving_mode, provider, gpu_pool,
                   sum(requests)::bigint, sum(input_tokens + output_tokens)::bigint, sum(unpriced_requests)::bigint, sum(unpriced_tokens)::bigint
            from {_priced} where tenant = $1 and hour >= $2 and hour < $3
            group by 1, 2, 3, 4, 5, 6 order by 1, 2, 3, 4, 5, 6
            """, tenant, month.Start, month.End);
        var rows = new List<DayUsage>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new DayUsage(r.GetFieldValue<DateOnly>(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
                r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9)));
        }

        return rows;
    }

    /// <summary>The drivers the month's counted invoice lines were split by, per bucket: names only, never other tenants' amounts.</summary>
    private async Task<Dictionary<string, IReadOnlyList<string>>> DriversAsync(StatementMonth month, CancellationToken ct)
    {
        await using var cmd = Command($"""
            select distinct bucket, driver from {_lines} c
            where hour >= $1 and hour < $2 and {CostLineHourlyProjection.CountsSql(ledger.Schema, "c")}
            order by 1, 2
            """, month.Start, month.End);
        var drivers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var bucket = r.GetString(0);
            if (!drivers.TryGetValue(bucket, out var list))
            {
                drivers[bucket] = list = [];
            }

            list.Add(r.GetString(1));
        }

        return drivers.ToDictionary(d => d.Key, IReadOnlyList<string> (d) => d.Value, StringComparer.Ordinal);
    }

    private async Task<List<DateTimeOffset>> QuarantinedAsync(StatementMonth month, CancellationToken ct)
    {
        await using var cmd = Command($"select hour from {_quarantine} where hour >= $1 and hour < $2 order by hour", month.Start, month.End);
        var hours = new List<DateTimeOffset>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            hours.Add(r.GetFieldValue<DateTimeOffset>(0));
        }

        return hours;
    }

    /// <summary>Why there is no statement, with the months that do have cost rows of the tenant (the latest twelve).</summary>
    private async Task<string> NothingToStateAsync(string tenant, StatementMonth month, CancellationToken ct)
    {
        await using var cmd = Command($"""
            select distinct to_char(date_trunc('month', hour at time zone 'UTC'), 'YYYY-MM') as m from {_cost}
            where tenant = $1 and currency = $2 order by m desc limit 12
            """, tenant, ledger.Currency);
        var months = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            months.Add(r.GetString(0));
        }

        var period = $"{month} ({month.Start:yyyy-MM-dd'T'HH':'mm':'ss'Z'} to {month.End:yyyy-MM-dd'T'HH':'mm':'ss'Z'}, {ledger.Currency})";
        return months.Count == 0
            ? $"no cost rows exist for tenant '{tenant}' in {period}, nor in any other month: check the tenant's spelling (cost_hourly.tenant)"
            : $"no cost rows exist for tenant '{tenant}' in {period}; it has cost in {string.Join(", ", months)}";
    }

    private static BucketAmounts Amounts(NpgsqlDataReader r, int first) =>
        new(r.GetDecimal(first), r.GetDecimal(first + 1), r.GetDecimal(first + 2), r.GetDecimal(first + 3), r.GetDecimal(first + 4), r.GetDecimal(first + 5));

    private NpgsqlCommand Command(string sql, params object[] parameters) => dataSource.Command(sql, parameters);
}
