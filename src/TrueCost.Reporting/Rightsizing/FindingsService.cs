using Npgsql;
using TrueCost.Ledger.Identity;
using TrueCost.Ledger.Storage;
using TrueCost.Ledger.Time;
using TrueCost.Reporting.Breakeven;
using TrueCost.Reporting.Governance.Commitments;
using TrueCost.Reporting.Messages;

namespace TrueCost.Reporting.Rightsizing;

/// <summary>Where the GPU catalogue comes from and the rules' settings; bound from configuration "Reporting:Findings".</summary>
public sealed class FindingsOptions
{
    public const string Section = "Reporting:Findings";

    /// <summary>A JSON GPU catalogue replacing <see cref="GpuCatalogue.Default"/> when set.</summary>
    public string? GpuCataloguePath { get; set; }

    public BreakevenOptions Breakeven { get; set; } = new();

    public RightsizingOptions Rightsizing { get; set; } = new();

    public GpuCatalogue LoadCatalogue() => string.IsNullOrWhiteSpace(GpuCataloguePath) ? GpuCatalogue.Default() : GpuCatalogue.LoadFile(GpuCataloguePath);
}

/// <summary>Every breakeven and rightsizing finding of a period; <see cref="From"/>..<see cref="To"/> is the part of the asked range the ledger has data for.</summary>
public sealed record FindingsReport(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<RouteBreakeven> Breakeven, IReadOnlyList<RightsizingFinding> Rightsizing)
{
    /// <summary>What the ledger could not cost as it came (unpriced models, invoices without usage, unmapped GPU spend, unconverted currencies).</summary>
    public IReadOnlyList<FindingRaised> Coverage { get; init; } = [];

    /// <summary>Commitments under-used or covering too little (<see cref="CommitmentFindings"/>).</summary>
    public IReadOnlyList<FindingRaised> Commitments { get; init; } = [];

    public static FindingsReport Empty(DateTimeOffset from, DateTimeOffset to) => new(from, to, [], []);

    /// <summary>All findings as bus messages: coverage first (they make every other figure less true), then breakeven, rightsizing and commitments, each kind's largest amount first.</summary>
    public IReadOnlyList<FindingRaised> Messages() =>
    [
        .. Coverage,
        .. Breakeven.Select(b => b.ToMessage()).OrderByDescending(m => m.MonthlyAmountAtStake),
        .. Rightsizing.OrderBy(r => r.Kind).ThenByDescending(r => r.MonthlyAmountAtStake).Select(r => r.ToMessage()),
        .. Commitments.OrderBy(c => c.Kind, StringComparer.Ordinal).ThenByDescending(c => c.MonthlyAmountAtStake),
    ];
}

/// <summary>
/// Loads a period's usage, GPU pool hours and pool costs from the ledger and runs the breakeven and
/// rightsizing rules over them. The rules are pure (<see cref="RouteBreakeven.Evaluate"/>,
/// <see cref="RightsizingAnalyzer.Analyze"/>); this class only reads.
/// </summary>
public static class FindingsService
{
    public static Task<FindingsReport> ComputeAsync(NpgsqlDataSource dataSource, LedgerOptions ledger, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        ComputeAsync(dataSource, ledger, new FindingsOptions(), from, to, ct);

    public static Task<FindingsReport> ComputeAsync(NpgsqlDataSource dataSource, LedgerOptions ledger, FindingsOptions options, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        ComputeAsync(dataSource, ledger, options, from, to, [], ct);

    /// <param name="commitments">The commitments of Governance:Commitments; FOCUS commitments are read from the ledger either way.</param>
    public static async Task<FindingsReport> ComputeAsync(
        NpgsqlDataSource dataSource, LedgerOptions ledger, FindingsOptions options, DateTimeOffset from, DateTimeOffset to,
        IReadOnlyList<CommitmentDefinition> commitments, CancellationToken ct)
    {
        var catalogue = options.LoadCatalogue();
        var prices = await LedgerStore.LoadPricesAsync(dataSource, ledger, ct);
        from = UtcHour.Floor(from);
        to = to.ToUniversalTime();
        var usage = await UsageAsync(dataSource, ledger, from, to, ct);
        var pools = await PoolHoursAsync(dataSource, ledger, from, to, ct);
        var coverage = await CoverageFindings.ComputeAsync(dataSource, ledger, from, to, ct);
        var observed = usage.Select(u => u.Hour).Concat(pools.Select(p => p.Hour.Hour)).ToList();
        if (observed.Count == 0)
        {
            var unobserved = await CommitmentsService.ComputeAsync(dataSource, ledger, commitments, from, to, ct);
            return FindingsReport.Empty(from, to) with { Coverage = coverage, Commitments = unobserved.Findings };
        }

        // Only the hours the ledger has data for: a week asked for on its Wednesday must not count
        // the days still to come as quiet ones.
        var start = observed.Min() > from ? observed.Min() : from;
        var end = observed.Max() + UtcHour.Length < to ? observed.Max() + UtcHour.Length : to;
        var hours = (int)Math.Ceiling((end - start).TotalHours);
        var profiles = PoolProfiles.Build(pools, usage, options.Breakeven.SizeClassFor, ledger.Currency);
        var breakeven = RouteBreakeven.Evaluate(usage, start, hours, profiles.ToDictionary(p => p.Pool, p => p.GpuClass), catalogue, prices, options.Breakeven, ledger.Currency);
        var rightsizing = profiles.SelectMany(p => RightsizingAnalyzer.Analyze(p, catalogue, options.Rightsizing)).ToList();
        var committed = await CommitmentsService.ComputeAsync(dataSource, ledger, commitments, start, end, ct);
        return new FindingsReport(start, end, breakeven, rightsizing) { Coverage = coverage, Commitments = committed.Findings };
    }

    private static async Task<List<RouteUsageHour>> UsageAsync(NpgsqlDataSource dataSource, LedgerOptions ledger, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            select hour, route, provider, model, serving_mode, gpu_pool, sum(input_tokens), sum(output_tokens), sum(retry_tokens)
            from {LedgerTables.QualifiedName(ledger.Schema, LedgerTables.UsageHourly)}
            where hour >= $1 and hour < $2
            group by 1, 2, 3, 4, 5, 6
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        var rows = new List<RouteUsageHour>();
        var providers = ProviderAliases.Default(ledger.Providers);
        var models = new ModelAliases(ledger.Models);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            // Canonical names, as the allocator prices them.
            rows.Add(new RouteUsageHour(
                r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), providers.Canonical(r.GetString(2)), models.Canonical(r.GetString(3)), r.GetString(4), r.GetString(5),
                (long)r.GetDecimal(6), (long)r.GetDecimal(7), (long)r.GetDecimal(8)));
        }

        return rows;
    }

    /// <summary>gpu_pool_hourly joined with the pool's direct-inference invoice lines of the same hour.</summary>
    private static async Task<List<PoolHourRow>> PoolHoursAsync(NpgsqlDataSource dataSource, LedgerOptions ledger, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"""
            select g.hour, g.pool, g.gpu_class, g.gpus, g.gpu_seconds, g.missing_gpu_seconds, g.busy_share, g.util_peak,
                   g.kv_cache_peak, g.queue_depth_peak, g.queue_depth_mean, g.tokens, coalesce(c.cost, 0)
            from {LedgerTables.QualifiedName(ledger.Schema, LedgerTables.GpuPoolHourly)} g
            left join (select hour, pool, sum(effective_cost) as cost
                       from {LedgerTables.QualifiedName(ledger.Schema, LedgerTables.CostLineHourly)}
                       where bucket = 'direct_inference' and pool <> '' and currency = $3 and hour >= $1 and hour < $2
                       group by hour, pool) c on c.hour = g.hour and c.pool = g.pool
            where g.hour >= $1 and g.hour < $2
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        cmd.Parameters.Add(new NpgsqlParameter { Value = ledger.Currency });
        var rows = new List<PoolHourRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var hour = new PoolHour(
                r.GetFieldValue<DateTimeOffset>(0), (int)r.GetInt64(3), r.GetDouble(4), r.GetDouble(5),
                Nullable(r, 6), Nullable(r, 7), Nullable(r, 8), Nullable(r, 9), Nullable(r, 10), (long)r.GetDecimal(11), r.GetDecimal(12));
            rows.Add(new PoolHourRow(r.GetString(1), r.GetString(2), hour));
        }

        return rows;
    }

    private static double? Nullable(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetDouble(ordinal);
}
