using System.Text.Json;
using Npgsql;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Incidents;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.Storage;
using TrueCost.Ledger.Time;

namespace TrueCost.Ledger.Allocation;

/// <summary>Something that entered an hour and could not be costed as it is: shown, never dropped.</summary>
public sealed record AllocationIssue(string Kind, string Subject, string Reason, decimal? Amount, string? Currency, long Requests, long Tokens)
{
    public const string UnpricedUsage = "unpriced_usage";
    public const string UnconvertedLine = "unconverted_line";
    public const string InvoiceWithoutUsage = "invoice_without_usage";
    public const string UnmappedGpu = "unmapped_gpu";

    /// <summary>An hour the allocator could not allocate (its error is the reason); its cost_hourly rows are stale or missing.</summary>
    public const string QuarantinedHour = "quarantined_hour";
}

/// <summary>A figure converted to the reporting currency, with the rate that did it; kept in the hour's audit row.</summary>
public sealed record Conversion(string Source, decimal Amount, string Currency, decimal Converted, decimal Rate, DateTimeOffset RateDate, string RateSource);

/// <summary>An hour's inputs with what pricing and conversion found along the way.</summary>
public sealed record LoadedHour(HourInputs Inputs, IReadOnlyList<PricedUsage> Priced, IReadOnlyList<AllocationIssue> Issues)
{
    public IReadOnlyList<Conversion> Conversions { get; init; } = [];
}

/// <summary>
/// Loads one hour's allocation inputs from the projections (pricing the usage, converting currencies,
/// spreading provider invoices by usage) and stores its rows, audit entry, priced usage and issues.
/// One instance serves one allocation transaction: it caches the usage of hours it priced. The clock tells an hour
/// still open (its audit rows are coalesced) from a closed one.
/// </summary>
public sealed class AllocationStore(LedgerOptions ledger, LedgerRules rules, TimeProvider clock)
{
    private readonly string _s = ledger.Schema;

    public LedgerRules Rules => rules;

    public async Task<LoadedHour> LoadAsync(NpgsqlConnection conn, NpgsqlTransaction tx, DateTimeOffset hour, CancellationToken ct)
    {
        var issues = new List<AllocationIssue>();
        var priced = (await PricedUsageAsync(conn, tx, [hour], apiOnly: false, ct)).Select(p => p.Usage).ToList();
        foreach (var group in priced.Where(p => p.Unpriced).GroupBy(p => p.UnpricedReason!))
        {
            var first = group.First();
            issues.Add(new AllocationIssue(AllocationIssue.UnpricedUsage, $"{first.Provider}/{first.Model}", group.Key, null, null, group.Sum(p => p.Row.Requests), group.Sum(p => p.Row.Tokens.Total)));
        }

        var usage = priced.Select(p => new UsageInput(
            p.Row.Route, p.Row.Tenant, p.Model, p.Row.TrafficClass, p.Provider, p.Row.ServingMode, p.Row.Pool,
            p.Row.Requests, p.Row.Tokens.Total, p.Row.Bytes, p.Row.RetryTokens, p.ListCost, p.Unpriced)).ToList();
        var pools = await ReadAsync(conn, tx, $"select pool, busy_share, missing_gpu_seconds from {_s}.{LedgerTables.GpuPoolHourly} where hour = $1",
            hour, r => new PoolInput(r.GetString(0), r.IsDBNull(1) ? null : r.GetDouble(1), r.GetDouble(2)), ct);
        var lines = new List<CostLineInput>();
        var conversions = new List<Conversion>();
        foreach (var line in await ReadAsync(conn, tx, $"""
            select line_id, bucket, driver, pool, provider, model, routes, effective_cost, currency, provider_names
            from {_s}.{LedgerTables.CostLineHourly} c where hour = $1 and {CostLineHourlyProjection.CountsSql(_s, "c")} order by line_id
            """, hour, r => (Input: new CostLineInput(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3),
                rules.InvoiceProvider([.. (r.IsDBNull(9) ? r.GetString(4) : r.GetString(9)).Split('|')]), r.GetString(5).Length > 0 ? rules.Models.Canonical(r.GetString(5)) : string.Empty,
                r.GetString(6).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), r.GetDecimal(7)), Currency: r.GetString(8)), ct))
        {
            var input = line.Input;
            if (IsProviderInvoice(input))
            {
                input = input with { Amount = await ProviderShareAsync(conn, tx, input, hour, ct) };
            }

            if (rules.Fx.Convert(input.Amount, line.Currency, rules.Policy.Currency, hour) is not { } converted)
            {
                issues.Add(new AllocationIssue(AllocationIssue.UnconvertedLine, $"line {input.LineId}",
                    $"{line.Currency} line and the FX table has no {line.Currency}→{rules.Policy.Currency} rate dated on or before {hour:yyyy-MM-dd}", input.Amount, line.Currency, 0, 0));
                continue;
            }

            lines.Add(input with { Amount = converted.Amount });
            if (converted.Rate is { } rate)
            {
                conversions.Add(new Conversion($"line {input.LineId}", input.Amount, line.Currency, converted.Amount, rate.Rate, rate.Date, rate.Source));
            }

            if (input.Driver == Drivers.UnmappedGpu)
            {
                issues.Add(new AllocationIssue(AllocationIssue.UnmappedGpu, $"line {input.LineId}", "GPU spend not mapped to a pool: add a Ledger:Pools rule for it", converted.Amount, rules.Policy.Currency, 0, 0));
            }
            else if (IsProviderInvoice(input) && !usage.Any(u => u.ServingMode == ServingModes.Api && u.Provider == input.Provider && (input.Model.Length == 0 || u.Model == input.Model)))
            {
                issues.Add(new AllocationIssue(AllocationIssue.InvoiceWithoutUsage, $"line {input.LineId}",
                    $"invoice of {input.Provider}{(input.Model.Length > 0 ? "/" + input.Model : string.Empty)} matches no usage in this hour (check the provider alias table)", converted.Amount, rules.Policy.Currency, 0, 0));
            }
        }

        var unconvertedCredits = new List<(string Currency, decimal Amount)>();
        var incidents = await ReadAsync(conn, tx, $"""
            select incident_id, window_start, window_end, affected::text, responder_cost, failed_request_cost, credits_by_currency::text
            from {_s}.{LedgerTables.Incidents}
            where (window_start < $1 + interval '1 hour' and window_end > $1) or (window_end <= window_start and date_trunc('hour', window_start) = $1)
            order by incident_id
            """, hour, r => IncidentShare(hour, r, rules.Credits(r.IsDBNull(6) ? null : r.GetString(6), hour, unconvertedCredits)), ct);
        issues.AddRange(unconvertedCredits.Select(c => new AllocationIssue(AllocationIssue.UnconvertedLine, "SLA credit",
            $"{c.Currency} credit and the FX table has no {c.Currency}→{rules.Policy.Currency} rate dated on or before {hour:yyyy-MM-dd}", c.Amount, c.Currency, 0, 0)));
        return new LoadedHour(new HourInputs(hour, usage, pools, lines, incidents), priced, issues) { Conversions = conversions };
    }

    public async Task<decimal?> SaveAsync(NpgsqlConnection conn, NpgsqlTransaction tx, HourAllocation result, LoadedHour loaded, string reason, CancellationToken ct)
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
        await ExecuteAsync(conn, tx, $"""
            insert into {_s}.{LedgerTables.CostHourly}
              (hour, route, tenant, model, traffic_class, currency, direct_inference, platform_overhead, observability, engineering, incident, idle, total, unpriced_requests, unpriced_tokens)
            select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], $13::numeric[], $14::bigint[], $15::bigint[])
            """, ct, result.Hour, rows.Select(x => x.Route).ToArray(), rows.Select(x => x.Tenant).ToArray(), rows.Select(x => x.Model).ToArray(),
            rows.Select(x => x.TrafficClass).ToArray(), rows.Select(x => x.Currency).ToArray(), rows.Select(x => x.DirectInference).ToArray(),
            rows.Select(x => x.PlatformOverhead).ToArray(), rows.Select(x => x.Observability).ToArray(), rows.Select(x => x.Engineering).ToArray(),
            rows.Select(x => x.Incident).ToArray(), rows.Select(x => x.Idle).ToArray(), rows.Select(x => x.Total).ToArray(),
            rows.Select(x => x.UnpricedRequests).ToArray(), rows.Select(x => x.UnpricedTokens).ToArray());

        await AuditAsync(conn, tx, result, loaded, reason, previous, ct);

        if (previous != result.AllocatedTotal)
        {
            await ExecuteAsync(conn, tx, $"insert into {_s}.{LedgerTables.HourChanges} (hour, previous_total, new_total, currency, reason) values ($1, $2, $3, $4, $5)",
                ct, result.Hour, (object?)previous ?? DBNull.Value, result.AllocatedTotal, rules.Policy.Currency, reason);
        }

        await ExecuteAsync(conn, tx, $"delete from {_s}.{LedgerTables.AllocationIssues} where hour = $1", ct, result.Hour);
        var issues = loaded.Issues;
        await ExecuteAsync(conn, tx, $"""
            insert into {_s}.{LedgerTables.AllocationIssues} (hour, kind, subject, reason, amount, currency, requests, tokens)
            select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::numeric[], $6::text[], $7::bigint[], $8::bigint[])
            """, ct, result.Hour, issues.Select(i => i.Kind).ToArray(), issues.Select(i => i.Subject).ToArray(), issues.Select(i => i.Reason).ToArray(),
            issues.Select(i => i.Amount).ToArray(), issues.Select(i => i.Currency).ToArray(), issues.Select(i => i.Requests).ToArray(), issues.Select(i => i.Tokens).ToArray());

        await ExecuteAsync(conn, tx, $"delete from {_s}.{LedgerTables.PricedUsage} where hour = $1", ct, result.Hour);
        var priced = loaded.Priced
            .GroupBy(p => (p.Row.Route, p.Row.Tenant, p.Provider, p.Model, p.Row.TrafficClass, p.Row.ServingMode, p.Row.Pool))
            .Select(g => (g.Key, Requests: g.Sum(p => p.Row.Requests), Input: g.Sum(p => p.Row.Tokens.Input), Output: g.Sum(p => p.Row.Tokens.Output),
                Cost: g.Sum(p => p.ListCost), Unpriced: g.Where(p => p.Unpriced).Sum(p => p.Row.Requests), UnpricedTokens: g.Where(p => p.Unpriced).Sum(p => p.Row.Tokens.Total),
                Price: string.Join("; ", g.Select(p => p.Price ?? p.UnpricedReason ?? "self-hosted: paid by its pool").Distinct())))
            .ToList();
        await ExecuteAsync(conn, tx, $"""
            insert into {_s}.{LedgerTables.PricedUsage} (hour, route, tenant, provider, model, traffic_class, serving_mode, gpu_pool, requests, input_tokens, output_tokens, list_cost, currency, unpriced_requests, unpriced_tokens, price)
            select $1, u.route, u.tenant, u.provider, u.model, u.traffic_class, u.serving_mode, u.gpu_pool, u.requests, u.input_tokens, u.output_tokens, u.list_cost, $16, u.unpriced_requests, u.unpriced_tokens, u.price
            from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::numeric[], $13::bigint[], $14::bigint[], $15::text[])
              as u(route, tenant, provider, model, traffic_class, serving_mode, gpu_pool, requests, input_tokens, output_tokens, list_cost, unpriced_requests, unpriced_tokens, price)
            """,
            ct, result.Hour, priced.Select(p => p.Key.Route).ToArray(), priced.Select(p => p.Key.Tenant).ToArray(), priced.Select(p => p.Key.Provider).ToArray(),
            priced.Select(p => p.Key.Model).ToArray(), priced.Select(p => p.Key.TrafficClass).ToArray(), priced.Select(p => p.Key.ServingMode).ToArray(),
            priced.Select(p => p.Key.Pool).ToArray(), priced.Select(p => p.Requests).ToArray(), priced.Select(p => p.Input).ToArray(), priced.Select(p => p.Output).ToArray(),
            priced.Select(p => p.Cost).ToArray(), priced.Select(p => p.Unpriced).ToArray(), priced.Select(p => p.UnpricedTokens).ToArray(), priced.Select(p => p.Price).ToArray(),
            rules.Policy.Currency);
        return previous;
    }

    /// <summary>
    /// One audit row per allocation of a closed hour (a restatement keeps its own row), but while the hour is still
    /// open its re-allocations (one per batch of new usage) update the row written earlier in the open hour: the row
    /// keeps the total from before the first of them and counts them in <c>allocations</c>. The hour's last
    /// allocation after it closed adds a row of its own, so the audit shows what was final.
    /// </summary>
    private async Task AuditAsync(NpgsqlConnection conn, NpgsqlTransaction tx, HourAllocation result, LoadedHour loaded, string reason, decimal? previous, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var values = new object?[]
        {
            result.Hour, now, reason, result.InputTotal, result.AllocatedTotal, result.Rows.Count, JsonSerializer.Serialize(result.Sources),
            JsonSerializer.Serialize(loaded.Conversions), rules.Pricer.Catalogue.Version,
        };
        if (now >= result.Hour && now < result.Hour + UtcHour.Length)
        {
            var coalesced = await ExecuteAsync(conn, tx, $"""
                update {_s}.{LedgerTables.AllocationAudit}
                set allocated_at = $2, reason = $3, input_total = $4, new_total = $5, rows = $6, sources = $7::jsonb, conversions = $8::jsonb, prices = $9,
                    allocations = allocations + 1
                where id = (select max(id) from {_s}.{LedgerTables.AllocationAudit} where hour = $1) and allocated_at < $1 + interval '1 hour'
                """, ct, values);
            if (coalesced > 0)
            {
                return;
            }
        }

        await ExecuteAsync(conn, tx, $"""
            insert into {_s}.{LedgerTables.AllocationAudit} (hour, allocated_at, reason, input_total, new_total, rows, sources, conversions, prices, previous_total)
            values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10)
            """, ct, [.. values, previous]);
    }

    private static bool IsProviderInvoice(CostLineInput line) =>
        line.Bucket == CostBuckets.DirectInference && line.Pool.Length == 0 && line.Driver is not (Drivers.UnmappedGpu or Drivers.UnusedCommitment);

    /// <summary>
    /// This hour's cent share of a provider invoice line, by the usage it covers over its whole charge period.
    /// When the line's shares of other hours changed (late usage moved the weights), those hours are queued.
    /// </summary>
    private async Task<decimal> ProviderShareAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CostLineInput line, DateTimeOffset hour, CancellationToken ct)
    {
        var even = await ReadAsync(conn, tx, $"select hour, effective_cost from {_s}.{LedgerTables.CostLineHourly} where line_id = $1 order by hour",
            line.LineId, r => (r.GetFieldValue<DateTimeOffset>(0), r.GetDecimal(1)), ct);
        var covered = (await PricedUsageAsync(conn, tx, [.. even.Select(e => e.Item1)], apiOnly: true, ct))
            .Where(u => u.Usage.Provider == line.Provider && (line.Model.Length == 0 || u.Usage.Model == line.Model))
            .ToList();
        var shares = ProviderInvoiceShares.Spread(even, covered);
        var stored = (await ReadAsync(conn, tx, $"select hour, amount from {_s}.{LedgerTables.InvoiceLineShares} where line_id = $1",
            line.LineId, r => (Hour: r.GetFieldValue<DateTimeOffset>(0), Amount: r.GetDecimal(1)), ct)).ToDictionary(s => s.Hour, s => s.Amount);
        var changed = shares.Where(s => !stored.TryGetValue(s.Key, out var was) || was != s.Value).Select(s => s.Key).ToArray();
        if (changed.Length > 0)
        {
            await ExecuteAsync(conn, tx, $"delete from {_s}.{LedgerTables.InvoiceLineShares} where line_id = $1", ct, line.LineId);
            await ExecuteAsync(conn, tx, $"insert into {_s}.{LedgerTables.InvoiceLineShares} (line_id, hour, amount) select $1, * from unnest($2::timestamptz[], $3::numeric[])",
                ct, line.LineId, shares.Keys.ToArray(), shares.Values.ToArray());
            var others = changed.Where(h => h != hour && stored.Count > 0).ToArray();
            if (others.Length > 0)
            {
                await ExecuteAsync(conn, tx, $"""
                    insert into {_s}.{LedgerTables.AllocationQueue} (hour, reason) select h, $2 from unnest($1::timestamptz[]) as h
                    on conflict (hour) do update set reason = excluded.reason, queued_at = now()
                    """, ct, others, $"usage moved the hourly shares of provider invoice line {line.LineId}");
            }
        }

        return shares.GetValueOrDefault(hour);
    }

    private readonly Dictionary<DateTimeOffset, List<PricedUsage>> _pricedByHour = [];

    /// <summary>The usage of the given hours, priced (cached for this transaction: usage does not change under it).</summary>
    private async Task<List<(DateTimeOffset Hour, PricedUsage Usage)>> PricedUsageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, DateTimeOffset[] hours, bool apiOnly, CancellationToken ct)
    {
        var missing = hours.Where(h => !_pricedByHour.ContainsKey(h)).ToArray();
        if (missing.Length > 0)
        {
            foreach (var h in missing)
            {
                _pricedByHour[h] = [];
            }

            await using var cmd = new NpgsqlCommand($"""
                select hour, {UsageRow.Columns}
                from {_s}.{LedgerTables.UsageHourly} where hour = any($1)
                order by hour, route, tenant, provider, model, request_model, traffic_class, serving_mode, gpu_pool
                """, conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = missing });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var (at, row) = UsageRow.Read(r);
                _pricedByHour[at].Add(rules.Pricer.Price(row, at));
            }
        }

        return [.. hours.SelectMany(h => _pricedByHour[h].Where(p => !apiOnly || p.Row.ServingMode == ServingModes.Api).Select(p => (h, p)))];
    }

    /// <summary>An incident's costs spread evenly over its window; this hour gets its overlapping share.</summary>
    private static IncidentInput IncidentShare(DateTimeOffset hour, NpgsqlDataReader r, decimal credits)
    {
        var start = r.GetFieldValue<DateTimeOffset>(1);
        var end = r.GetFieldValue<DateTimeOffset>(2);
        var window = (decimal)Math.Max((end - start).Ticks, 1);
        var from = start > hour ? start : hour;
        var to = end < hour + UtcHour.Length ? end : hour + UtcHour.Length;
        var share = end <= start ? 1m : Math.Max(0, (to - from).Ticks) / window;
        var affected = JsonSerializer.Deserialize<AffectedScope>(r.GetString(3)) ?? AffectedScope.Everything;
        return new IncidentInput(r.GetString(0), affected, r.GetDecimal(4) * share, r.GetDecimal(5) * share, credits * share);
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct, params object?[] values)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var value in values)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<List<T>> ReadAsync<T>(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, object parameter, Func<NpgsqlDataReader, T> map, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = parameter });
        var list = new List<T>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            list.Add(map(reader));
        }

        return list;
    }
}
