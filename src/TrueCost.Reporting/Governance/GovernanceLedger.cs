using Npgsql;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Governance;
using TrueCost.Ledger.Storage;
using TrueCost.Ledger.Time;
using TrueCost.Reporting.Governance.Budgets;

namespace TrueCost.Reporting.Governance;

/// <summary>What a scope cost over a range: the amount of its bucket, and the usage in it that had no price.</summary>
/// <param name="Rows">The cost_hourly rows the scope matched in the range.</param>
public sealed record ScopeCost(decimal Amount, long UnpricedRequests, long UnpricedTokens, long Rows);

/// <summary>The hours [<see cref="From"/>, <see cref="Until"/>) that have cost rows (of <see cref="Tenant"/> when given); both null when none has.</summary>
public sealed record LedgerExtent(string? Tenant, DateTimeOffset? From, DateTimeOffset? Until)
{
    /// <summary>Why a list over [<paramref name="from"/>, <paramref name="to"/>) may be empty, for the user reading it.</summary>
    public string Explain(DateTimeOffset from, DateTimeOffset to)
    {
        var whose = Tenant is null ? "the ledger has" : $"tenant '{Tenant}' has";
        return (From, Until) switch
        {
            ({ } first, { } until) when to <= first || from >= until => $"{whose} cost only from {first:yyyy-MM-dd HH:00}Z to {until:yyyy-MM-dd HH:00}Z, outside {from:yyyy-MM-dd HH:00}Z – {to:yyyy-MM-dd HH:00}Z",
            ({ } first, { } until) => $"{whose} cost from {first:yyyy-MM-dd HH:00}Z to {until:yyyy-MM-dd HH:00}Z",
            _ => $"{whose} no cost at all",
        };
    }
}

/// <summary>
/// The read side of governance over cost_hourly: a budget scope's cost and its daily series, and the hourly series
/// anomalies are detected on. A tenant-scoped caller's series are built from its own rows only.
/// </summary>
public sealed class GovernanceLedger(NpgsqlDataSource dataSource, LedgerOptions ledger)
{
    /// <summary>The series kinds anomalies and forecasts are computed for, each on the total cost.</summary>
    public static readonly IReadOnlyList<string> Dimensions = ["tenant", "route", "model"];

    /// <summary>The route labels of the rows that hold money no key carries.</summary>
    private static readonly string[] SpecialRowRoutes =
        [SpecialRows.Idle, SpecialRows.Unallocated, SpecialRows.Unclassified, SpecialRows.Reconciliation, SpecialRows.UnusedCommitment];

    private static readonly string[] BucketColumns = ["direct_inference", "platform_overhead", "observability", "engineering", "incident", "idle"];

    private readonly string _cost = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostHourly);
    private readonly string _priced = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.PricedUsage);

    public string Currency => ledger.Currency;

    public async Task<ScopeCost> CostAsync(BudgetScope scope, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var (where, values) = Filter(scope, 3);
        await using var cmd = dataSource.Command($"""
            select coalesce(sum({scope.Bucket}), 0), coalesce(sum(unpriced_requests), 0), coalesce(sum(unpriced_tokens), 0), count(*)
            from {_cost} where hour >= $1 and hour < $2 and {where}
            """, [from, to, .. values]);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new ScopeCost(r.GetDecimal(0), (long)r.GetDecimal(1), (long)r.GetDecimal(2), r.GetInt64(3));
    }

    /// <summary>The scope's cost per UTC day of [from, to) (whole days), zero for a day without rows.</summary>
    public async Task<IReadOnlyList<decimal>> DailyAsync(BudgetScope scope, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var (where, values) = Filter(scope, 3);
        await using var cmd = dataSource.Command($"""
            select (hour at time zone 'UTC')::date, sum({scope.Bucket})
            from {_cost} where hour >= $1 and hour < $2 and {where} group by 1
            """, [Start(from), Start(to), .. values]);
        var days = new decimal[Math.Max(to.DayNumber - from.DayNumber, 0)];
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            days[r.GetFieldValue<DateOnly>(0).DayNumber - from.DayNumber] = r.GetDecimal(1);
        }

        return days;
    }

    /// <summary>The hours the ledger has cost for: all of it, or only <paramref name="tenant"/>'s rows when one is given.</summary>
    public async Task<LedgerExtent> ExtentAsync(string? tenant, CancellationToken ct)
    {
        await using var cmd = dataSource.Command($"select min(hour), max(hour) from {_cost} where $1::text is null or tenant = $1", [(object?)tenant ?? DBNull.Value]);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return r.IsDBNull(0)
            ? new LedgerExtent(tenant, null, null)
            : new LedgerExtent(tenant, r.GetFieldValue<DateTimeOffset>(0), r.GetFieldValue<DateTimeOffset>(1) + UtcHour.Length);
    }

    /// <summary>
    /// The hourly total of every tenant, route and model, and of every bucket and the total over all of them, for [from, to); only
    /// <paramref name="tenant"/>'s rows when one is given. Each series starts at its first hour with cost; series whose cost is zero throughout are left out.
    /// The rows that hold money no key carries (<see cref="SpecialRows"/>: idle capacity, unallocated and unclassified
    /// spend, unused commitments) are series of their route label, "(idle)" and the like, and in the buckets; their
    /// tenant and model columns hold placeholders and pools, providers or invoice lines, which are not tenants or models.
    /// </summary>
    public async Task<IReadOnlyList<CostSeries>> HourlySeriesAsync(DateTimeOffset from, DateTimeOffset to, string? tenant, CancellationToken ct)
    {
        var hours = (int)((to - from).Ticks / TimeSpan.TicksPerHour);
        var series = new Dictionary<SeriesKey, decimal[]>();
        await using var cmd = dataSource.Command($"""
            select hour, grouping(key_tenant), grouping(route), grouping(key_model), key_tenant, route, key_model,
                   sum(total), {string.Join(", ", BucketColumns.Select(b => $"sum({b})"))}
            from (select c.*, case when route = any($4) then null else tenant end as key_tenant,
                         case when route = any($4) then null else model end as key_model
                  from {_cost} c where hour >= $1 and hour < $2 and ($3::text is null or tenant = $3)) c
            group by grouping sets ((hour, key_tenant), (hour, route), (hour, key_model), (hour))
            """, [from, to, (object?)tenant ?? DBNull.Value, SpecialRowRoutes]);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var index = (int)((r.GetFieldValue<DateTimeOffset>(0) - from).Ticks / TimeSpan.TicksPerHour);
            var (tenantSet, routeSet, modelSet) = (r.GetInt32(1) == 0, r.GetInt32(2) == 0, r.GetInt32(3) == 0);
            if ((tenantSet && r.IsDBNull(4)) || (modelSet && r.IsDBNull(6)))
            {
                continue;
            }

            SeriesKey? key = (tenantSet, routeSet, modelSet) switch
            {
                (true, _, _) => new SeriesKey("tenant", r.GetString(4), "total"),
                (_, true, _) => new SeriesKey("route", r.GetString(5), "total"),
                (_, _, true) => new SeriesKey("model", r.GetString(6), "total"),
                _ => null,
            };
            if (key is not null)
            {
                Add(key, r.GetDecimal(7));
                continue;
            }

            Add(new SeriesKey("bucket", tenant ?? "all", "total"), r.GetDecimal(7));
            for (var b = 0; b < BucketColumns.Length; b++)
            {
                Add(new SeriesKey("bucket", tenant ?? "all", BucketColumns[b]), r.GetDecimal(8 + b));
            }

            void Add(SeriesKey k, decimal amount)
            {
                if (!series.TryGetValue(k, out var values))
                {
                    values = new decimal[hours];
                    series[k] = values;
                }

                values[index] += amount;
            }
        }

        // A series starts at its first hour with cost: the hours before it existed are not a history of zeros, so a new
        // tenant or route is not an anomaly, and has no baseline until it has enough history of its own.
        return [.. series.Where(s => s.Value.Any(v => v != 0)).OrderBy(s => s.Key.Dimension).ThenBy(s => s.Key.Value).ThenBy(s => s.Key.Bucket)
            .Select(s =>
            {
                var first = Array.FindIndex(s.Value, v => v != 0);
                return new CostSeries(s.Key, from.AddHours(first), s.Value[first..]);
            })];
    }

    private static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>The scope as a condition on cost_hourly, its values as parameters from $<paramref name="first"/>.</summary>
    private (string Sql, List<object> Values) Filter(BudgetScope scope, int first)
    {
        var conditions = new List<string>();
        var values = new List<object>();
        foreach (var (column, value) in new[] { ("tenant", scope.Tenant), ("route", scope.Route), ("model", scope.Model), ("traffic_class", scope.TrafficClass) })
        {
            if (value is not null)
            {
                values.Add(value);
                conditions.Add($"{column} = ${first + values.Count - 1}");
            }
        }

        if (scope.Provider is not null)
        {
            values.Add(scope.Provider);
            conditions.Add($"model in (select distinct model from {_priced} where provider = ${first + values.Count - 1})");
        }

        return (conditions.Count == 0 ? "true" : string.Join(" and ", conditions), values);
    }
}
