using System.Globalization;
using Npgsql;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Rightsizing;
using TrueCost.Reporting.Weekly;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>The weekly report built from a database seeded with known rows: its figures are the seeded sums.</summary>
[Collection("infrastructure")]
public sealed class WeeklyReportContentTests(InfrastructureFixture infra) : IDisposable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private readonly string _directory = Directory.CreateTempSubdirectory("truecost-weekly-").FullName;
    private string? _postgres;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Bucket_totals_in_csv_and_markdown_equal_the_seeded_sums_for_both_weeks()
    {
        var seed = LedgerSeed.Create();
        var (report, files) = await BuildAsync(seed);
        var current = seed.Expected(LedgerSeed.Week);
        var previous = seed.Expected(LedgerSeed.Week.Previous());
        Assert.True(current.Total > 0 && previous.Total > 0);

        var csv = Csv(files, ReportTables.Buckets);
        Assert.Equal("bucket,this_week,previous_week,change,currency", string.Join(',', csv[0]));
        var byBucket = csv.Skip(1).ToDictionary(r => r[0], r => (Now: decimal.Parse(r[1], Invariant), Before: decimal.Parse(r[2], Invariant), Change: decimal.Parse(r[3], Invariant), Currency: r[4]));
        foreach (var ((bucket, now), (_, before)) in current.Five.Zip(previous.Five))
        {
            Assert.Equal((now, before, now - before, "USD"), byBucket[bucket]);
        }

        Assert.Equal((current.Idle, previous.Idle), (byBucket["idle (part of direct_inference)"].Now, byBucket["idle (part of direct_inference)"].Before));
        Assert.Equal((current.Total, previous.Total), (byBucket["total"].Now, byBucket["total"].Before));
        Assert.Equal(current.Total, report.Totals.Total);

        var markdown = await File.ReadAllTextAsync(files.Single(f => f.EndsWith(".md", StringComparison.Ordinal)));
        foreach (var (bucket, amount) in current.Five)
        {
            Assert.Contains($"| {bucket} | {amount.ToString("N2", Invariant)} | {previous.Five.Single(p => p.Bucket == bucket).Amount.ToString("N2", Invariant)} |", markdown, StringComparison.Ordinal);
        }

        Assert.Contains($"| total | {current.Total.ToString("N2", Invariant)} |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Week_over_week_change_and_its_drivers_follow_the_seeded_shift()
    {
        var seed = LedgerSeed.Create();
        var (report, files) = await BuildAsync(seed);
        var current = seed.Expected(LedgerSeed.Week);
        var previous = seed.Expected(LedgerSeed.Week.Previous());

        Assert.Equal(previous.Total, report.Change.Previous);
        Assert.Equal(current.Total - previous.Total, report.Change.Delta);
        Assert.Equal(Math.Round(100 * (current.Total - previous.Total) / previous.Total, 1, MidpointRounding.AwayFromZero), report.Change.Percent);

        // Seeded: chat's direct cost grew by half, search's overhead fell by a third; nothing else moved.
        var routes = report.Change.Drivers.Where(d => d.Dimension == CostDimensions.Route).ToList();
        Assert.Equal("chat,search", string.Join(',', routes.Select(d => d.Key)));
        var chat = seed.Cost.Where(r => r.Route == "chat");
        Assert.Equal(
            chat.Where(r => r.Hour >= LedgerSeed.Week.Start).Sum(r => r.Total) - chat.Where(r => r.Hour < LedgerSeed.Week.Start).Sum(r => r.Total),
            routes[0].Delta);
        Assert.True(routes[1].Delta < 0);
        var buckets = report.Change.Drivers.Where(d => d.Dimension == CostDimensions.Bucket).ToList();
        Assert.Equal(CostBuckets.DirectInference, buckets[0].Key);
        Assert.Equal(current.DirectInference - previous.DirectInference, buckets[0].Delta);
        Assert.Equal(report.Change.Delta, buckets.Sum(b => b.Delta));

        var drivers = Csv(files, ReportTables.Drivers);
        Assert.Contains(drivers, r => r[0] == CostDimensions.Route && r[1] == "chat" && decimal.Parse(r[4], Invariant) == routes[0].Delta);
    }

    [Fact]
    public async Task Unit_cost_per_million_tokens_pool_idle_cost_and_daily_totals_match_the_seed()
    {
        var seed = LedgerSeed.Create();
        var (report, _) = await BuildAsync(seed);
        var inWeek = seed.Cost.Where(r => IsoWeek.Of(r.Hour) == LedgerSeed.Week).ToList();

        var chatCost = inWeek.Where(r => r.Route == "chat").Sum(r => r.Total);
        var chatTokens = seed.Usage.Where(u => IsoWeek.Of(u.Hour) == LedgerSeed.Week && u.Route == "chat").Sum(u => u.Tokens);
        var chat = report.UnitCosts.Single(u => u.Route == "chat" && u.TrafficClass == "interactive");
        Assert.Equal((chatCost, chatTokens), (chat.Cost, chat.Tokens));
        Assert.Equal(Math.Round(chatCost * 1_000_000m / chatTokens, 4, MidpointRounding.AwayFromZero), chat.CostPerMillionTokens);

        // No request ever used the H100 pool: every hour of its cost paid for idle GPUs.
        var unused = report.Pools.Single(p => p.Pool == LedgerSeed.UnusedPool);
        Assert.Equal((168 * LedgerSeed.UnusedPoolHourCost, 168 * LedgerSeed.UnusedPoolHourCost), (unused.Cost, unused.IdleCost));
        Assert.Equal(0.0, unused.UtilMean);
        var shared = report.Pools.Single(p => p.Pool == LedgerSeed.SharedPool);
        Assert.Equal((2 * 168.0, "A100"), (shared.GpuHours, shared.GpuClass));
        Assert.InRange(shared.IdleCost, 0.01m, shared.Cost - 0.01m);
        Assert.Equal(168 * 2, report.PoolHours.Count);

        foreach (var day in report.Days)
        {
            Assert.Equal(LedgerSeed.Sum(inWeek.Where(r => DateOnly.FromDateTime(r.Hour.UtcDateTime) == day.Day)), day.Amounts);
        }

        Assert.Equal("acme,globex", string.Join(',', report.TopTenants.Select(t => t.Key)));
        Assert.Equal(inWeek.Where(r => r.Tenant == "acme").Sum(r => r.Total), report.TopTenants[0].Amounts.Total);
    }

    [Fact]
    public async Task Open_findings_of_the_week_come_from_the_findings_engine_and_are_listed_in_every_rendering()
    {
        var (report, files) = await BuildAsync(LedgerSeed.Create());
        await using var dataSource = NpgsqlDataSource.Create(_postgres!);
        var engine = (await FindingsService.ComputeAsync(dataSource, new LedgerOptions(), LedgerSeed.Week.Start, LedgerSeed.Week.End, CancellationToken.None)).Messages();

        Assert.NotEmpty(engine);
        Assert.Equal(engine.Select(f => (f.Kind, f.Subject, f.MonthlyAmountAtStake, f.Currency)), report.Findings.Select(f => (f.Kind, f.Subject, f.MonthlyAmountAtStake, f.Currency)));
        Assert.Equal(report.Findings.Count, Csv(files, ReportTables.Findings).Count - 1);
        var markdown = await File.ReadAllTextAsync(files.Single(f => f.EndsWith(".md", StringComparison.Ordinal)));
        Assert.All(report.Findings, f => Assert.Contains($"| {f.Kind} | {f.Subject} |", markdown, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_cost_row_in_another_currency_stops_the_report_instead_of_falling_out_of_the_totals()
    {
        var seed = LedgerSeed.Create();
        var postgres = await infra.NewDatabaseAsync();
        await seed.ApplyAsync(postgres);
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        await using (var cmd = dataSource.CreateCommand("update truecost.cost_hourly set currency = 'EUR' where route = 'search' and hour = $1"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = LedgerSeed.Week.Start.AddHours(2) });
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }

        var builder = new WeeklyReportBuilder(dataSource, new LedgerOptions(), new NoFindingsSource(), TimeProvider.System);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => builder.BuildAsync(LedgerSeed.Week, CancellationToken.None));
        Assert.Contains("1 rows in EUR", error.Message, StringComparison.Ordinal);
    }

    private async Task<(WeeklyReport Report, IReadOnlyList<string> Files)> BuildAsync(LedgerSeed seed)
    {
        _postgres = await infra.NewDatabaseAsync();
        await seed.ApplyAsync(_postgres);
        await using var dataSource = NpgsqlDataSource.Create(_postgres);
        var ledger = new LedgerOptions();
        var builder = new WeeklyReportBuilder(dataSource, ledger, new LedgerFindingsSource(dataSource, ledger, new FindingsOptions()), TimeProvider.System);
        var report = await builder.BuildAsync(LedgerSeed.Week, CancellationToken.None);
        return (report, await WeeklyReportWriter.WriteAsync(report, _directory, CancellationToken.None));
    }

    /// <summary>Reads one of the report's CSV files; the values it checks contain no commas or quotes.</summary>
    private static List<string[]> Csv(IReadOnlyList<string> files, string table) =>
        [.. File.ReadAllLines(files.Single(f => f.EndsWith($"-{table}.csv", StringComparison.Ordinal))).Select(l => l.Split(','))];
}
