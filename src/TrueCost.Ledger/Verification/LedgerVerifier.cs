using Npgsql;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.Storage;
using TrueCost.Ledger.Time;

namespace TrueCost.Ledger.Verification;

/// <summary>One hour where cost_hourly and the recomputation from the source tables disagree.</summary>
public sealed record VerifyDifference(DateTimeOffset Hour, string What, decimal Expected, decimal Actual)
{
    public decimal Difference => Actual - Expected;
}

/// <summary>The result of <see cref="LedgerVerifier.VerifyAsync"/>: hours checked, money on each side, and every difference.</summary>
public sealed record VerifyReport(int Hours, decimal Expected, decimal Allocated, IReadOnlyList<VerifyDifference> Differences, IReadOnlyList<string> Notes)
{
    public bool Passed => Differences.Count == 0;
}

/// <summary>
/// The independent check of the allocated ledger. From the source tables only (usage_hourly,
/// cost_line_hourly, incidents, and the configured prices, aliases and FX rates; never cost_hourly's
/// inputs or the allocator's audit), it recomputes what entered each hour, bucket by bucket, and compares
/// it with cost_hourly:
/// <list type="bullet">
/// <item>each hour's total must equal the recomputed total rounded to the cent (the allocator's rule);</item>
/// <item>platform overhead (with unclassified lines), observability and engineering must match within the
/// cents the hour's rounding can move (one per row of the hour); direct inference and incident are compared
/// together, because retry waste of an incident moves money between them;</item>
/// <item>each provider invoice line's hourly shares, recomputed from usage, must sum to the line.</item>
/// </list>
/// Lines in a currency without an FX rate are excluded on both sides and listed as notes.
/// </summary>
public sealed class LedgerVerifier(NpgsqlDataSource dataSource, LedgerOptions ledger, LedgerRules rules)
{
    private readonly string _s = ledger.Schema;

    public async Task<VerifyReport> VerifyAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        from = UtcHour.Floor(from);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var usage = await UsageAsync(conn, from, to, [], ct);
        var lines = await LinesAsync(conn, $"hour >= $1 and hour < $2 and {CostLineHourlyProjection.CountsSql(_s, "c")}", [from, to], ct);
        var providerLines = lines.Where(l => l.IsProviderInvoice).Select(l => l.LineId).Distinct().ToArray();
        var wholeLines = providerLines.Length == 0 ? [] : await LinesAsync(conn, "line_id = any($1)", [providerLines], ct);
        var outsideHours = wholeLines.Select(l => l.Hour).Where(h => h < from || h >= to).Distinct().ToArray();
        var usageOutside = outsideHours.Length == 0 ? [] : await UsageAsync(conn, from, to, outsideHours, ct);
        var allUsage = usage.Concat(usageOutside).ToList();
        var notes = new List<string>();
        var expected = new Dictionary<DateTimeOffset, decimal[]>();
        decimal[] Hour(DateTimeOffset h) => expected.TryGetValue(h, out var v) ? v : expected[h] = new decimal[4];

        var shares = new Dictionary<(string Line, DateTimeOffset Hour), decimal>();
        foreach (var line in wholeLines.GroupBy(l => l.LineId))
        {
            var first = line.First();
            var covered = allUsage.Where(u => u.Usage.Row.ServingMode == ServingModes.Api && u.Usage.Provider == first.Provider && (first.Model.Length == 0 || u.Usage.Model == first.Model)).ToList();
            var spread = ProviderInvoiceShares.Spread([.. line.Select(l => (l.Hour, l.Amount))], covered);
            var lineTotal = Math.Round(line.Sum(l => l.Amount), 2, MidpointRounding.ToEven);
            if (spread.Values.Sum() != lineTotal)
            {
                notes.Add($"line {line.Key}: hourly shares sum to {spread.Values.Sum()}, the line is {lineTotal}");
            }

            foreach (var (h, amount) in spread)
            {
                shares[(line.Key, h)] = amount;
            }
        }

        foreach (var hour in usage.Select(u => u.Hour).Distinct())
        {
            var providerLinesHere = lines.Where(l => l.Hour == hour && l.IsProviderInvoice).ToList();
            foreach (var u in usage.Where(u => u.Hour == hour && u.Usage.Row.ServingMode == ServingModes.Api))
            {
                if (!providerLinesHere.Any(l => l.Provider == u.Usage.Provider && (l.Model.Length == 0 || l.Model == u.Usage.Model)))
                {
                    Hour(hour)[0] += u.Usage.ListCost;
                }
            }
        }

        foreach (var line in lines)
        {
            var amount = line.IsProviderInvoice ? shares.GetValueOrDefault((line.LineId, line.Hour)) : line.Amount;
            if (rules.Fx.Convert(amount, line.Currency, rules.Policy.Currency, line.Hour) is not { } converted)
            {
                notes.Add($"{line.Hour:yyyy-MM-ddTHH}Z line {line.LineId}: {amount} {line.Currency} has no FX rate to {rules.Policy.Currency}; not allocated");
                continue;
            }

            Hour(line.Hour)[line.Bucket switch
            {
                CostBuckets.DirectInference or CostBuckets.Incident => 0,
                CostBuckets.Observability => 2,
                CostBuckets.Engineering => 3,
                _ => 1,
            }] += converted.Amount;
        }

        foreach (var (hour, incident) in await IncidentsAsync(conn, from, to, ct))
        {
            Hour(hour)[0] += incident;
        }

        var actual = await AllocatedAsync(conn, from, to, ct);
        var differences = new List<VerifyDifference>();
        foreach (var hour in expected.Keys.Union(actual.Keys).Order())
        {
            var e = expected.GetValueOrDefault(hour) ?? new decimal[4];
            var (a, rows) = actual.GetValueOrDefault(hour, (new decimal[4], 0));
            var expectedTotal = Math.Round(e.Sum(), 2, MidpointRounding.ToEven);
            if (expectedTotal != a.Sum())
            {
                differences.Add(new VerifyDifference(hour, "total", expectedTotal, a.Sum()));
            }

            var tolerance = Math.Max(rows, 1) * LargestRemainder.Cent;
            string[] names = ["direct inference + incident", "platform overhead", "observability", "engineering"];
            for (var b = 0; b < 4; b++)
            {
                if (Math.Abs(Math.Round(e[b], 2, MidpointRounding.ToEven) - a[b]) > tolerance)
                {
                    differences.Add(new VerifyDifference(hour, names[b], Math.Round(e[b], 2, MidpointRounding.ToEven), a[b]));
                }
            }
        }

        return new VerifyReport(expected.Keys.Union(actual.Keys).Count(), expected.Values.Sum(v => Math.Round(v.Sum(), 2, MidpointRounding.ToEven)), actual.Values.Sum(v => v.Buckets.Sum()), differences, notes);
    }

    private sealed record LineShare(string LineId, DateTimeOffset Hour, string Bucket, string Driver, string Pool, string Provider, string Model, decimal Amount, string Currency)
    {
        public bool IsProviderInvoice => Bucket == CostBuckets.DirectInference && Pool.Length == 0 && Driver is not (Drivers.UnmappedGpu or Drivers.UnusedCommitment);
    }

    private async Task<List<LineShare>> LinesAsync(NpgsqlConnection conn, string where, object[] values, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            select line_id, hour, bucket, driver, pool, provider, model, effective_cost, currency, provider_names
            from {_s}.{LedgerTables.CostLineHourly} c where {where}
            """, conn);
        foreach (var v in values)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        }

        var list = new List<LineShare>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new LineShare(r.GetString(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.GetString(4),
                rules.InvoiceProvider([.. (r.IsDBNull(9) ? r.GetString(5) : r.GetString(9)).Split('|')]), r.GetString(6).Length > 0 ? rules.Models.Canonical(r.GetString(6)) : string.Empty, r.GetDecimal(7), r.GetString(8)));
        }

        return list;
    }

    /// <summary>Usage of [from, to), or of the listed hours when given, priced by the configured rules.</summary>
    private async Task<List<(DateTimeOffset Hour, PricedUsage Usage)>> UsageAsync(NpgsqlConnection conn, DateTimeOffset from, DateTimeOffset to, DateTimeOffset[] hours, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            select hour, {UsageRow.Columns}
            from {_s}.{LedgerTables.UsageHourly} where {(hours.Length > 0 ? "hour = any($3)" : "hour >= $1 and hour < $2")}
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        cmd.Parameters.Add(new NpgsqlParameter { Value = hours });
        var list = new List<(DateTimeOffset, PricedUsage)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var (hour, row) = UsageRow.Read(r);
            list.Add((hour, rules.Pricer.Price(row, hour)));
        }

        return list;
    }

    /// <summary>Each incident's cost spread evenly over the seconds of its window, per hour.</summary>
    private async Task<List<(DateTimeOffset Hour, decimal Amount)>> IncidentsAsync(NpgsqlConnection conn, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            select window_start, window_end, responder_cost + failed_request_cost, credits_by_currency::text
            from {_s}.{LedgerTables.Incidents} where window_start < $2 and window_end >= $1
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        var list = new List<(DateTimeOffset, decimal)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var (start, end) = (r.GetFieldValue<DateTimeOffset>(0), r.GetFieldValue<DateTimeOffset>(1));
            var creditsJson = r.IsDBNull(3) ? null : r.GetString(3);
            decimal Total(DateTimeOffset hour) => r.GetDecimal(2) + rules.Credits(creditsJson, hour, []);
            if (end <= start)
            {
                if (UtcHour.Floor(start) >= from && UtcHour.Floor(start) < to)
                {
                    list.Add((UtcHour.Floor(start), Total(UtcHour.Floor(start))));
                }

                continue;
            }

            var seconds = (decimal)(end - start).Ticks;
            foreach (var hour in UtcHour.Covering(start, end).Where(h => h >= from && h < to))
            {
                var overlap = (Min(end, hour + UtcHour.Length) - Max(start, hour)).Ticks;
                list.Add((hour, Total(hour) * overlap / seconds));
            }
        }

        return list;
    }

    private async Task<Dictionary<DateTimeOffset, (decimal[] Buckets, int Rows)>> AllocatedAsync(NpgsqlConnection conn, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            select hour, sum(direct_inference + incident), sum(platform_overhead), sum(observability), sum(engineering), count(*)
            from {_s}.{LedgerTables.CostHourly} where hour >= $1 and hour < $2 group by hour
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        var result = new Dictionary<DateTimeOffset, (decimal[], int)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            result[r.GetFieldValue<DateTimeOffset>(0)] = ([r.GetDecimal(1), r.GetDecimal(2), r.GetDecimal(3), r.GetDecimal(4)], (int)r.GetInt64(5));
        }

        return result;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
