using System.CommandLine;
using System.Globalization;
using System.Diagnostics;
using Confluent.Kafka;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Cli.Output;
using TrueCost.Contracts;
using TrueCost.DevInfra;
using TrueCost.Ingest;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Storage;
using TrueCost.Ledger.Verification;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Budgets;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Rightsizing;
using TrueCost.Reporting.Weekly;
using TrueCost.Synthetic;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost demo</c>: embedded PostgreSQL and Kafka-protocol broker, weeks of synthetic history (with
/// injected anomalies) produced, ingested, projected and allocated, then the cost tables, verify over the
/// whole history, findings and the weekly report. Needs nothing set up by hand.
/// </summary>
public static class DemoCommand
{
    private static readonly Option<int> Requests = new("--requests") { Description = "Synthetic requests to generate, spread over the whole history", DefaultValueFactory = _ => 100_000 };
    private static readonly Option<int> Seed = new("--seed") { Description = "Random seed (the same seed gives the same history)", DefaultValueFactory = _ => 42 };
    private static readonly Option<DateOnly> Day = new("--day") { Description = "Last UTC day of the history, shown hour by hour", DefaultValueFactory = _ => new DateOnly(2026, 11, 16) };
    private static readonly Option<int> Weeks = new("--weeks") { Description = $"Weeks of history ending on --day (1..{SyntheticHistory.MaxWeeks})", DefaultValueFactory = _ => SyntheticHistory.DefaultWeeks };
    private static readonly Option<DirectoryInfo> Out = new("--out") { Description = "Where result files are written", DefaultValueFactory = _ => new DirectoryInfo("truecost-out") };

    public static Command Create()
    {
        var command = new Command("demo", "Run the whole pipeline on embedded infrastructure and weeks of synthetic traffic")
        {
            Requests, Seed, Day, Weeks, Out,
        };
        command.SetAction((parse, ct) => RunAsync(Settings.Load(parse), parse.GetValue(Requests), parse.GetValue(Seed), parse.GetValue(Day), parse.GetValue(Weeks), parse.GetValue(Out)!, ct));
        return command;
    }

    private static async Task<int> RunAsync(Settings settings, int requests, int seed, DateOnly day, int weeks, DirectoryInfo outDir, CancellationToken ct)
    {
        if (requests is < 1 or > 50_000_000)
        {
            throw new CliException($"--requests {requests} is outside 1..50000000");
        }

        if (weeks is < 1 or > SyntheticHistory.MaxWeeks)
        {
            throw new CliException($"--weeks {weeks} is outside 1..{SyntheticHistory.MaxWeeks}");
        }

        var history = new SyntheticHistory(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), weeks, requests, seed);
        var (start, lastDay) = (history.Calendar.Start, history.Calendar.LastDay);

        // One hour past the last day: retries of its last second land there.
        var end = history.Calendar.End.AddHours(1);
        var range = $"{start:yyyy-MM-dd} – {lastDay:yyyy-MM-dd}";
        AnsiConsole.MarkupLine($"[bold]TrueCost demo[/] — {weeks} week(s) of synthetic history, {range}, {requests:N0} requests, seed {seed}");
        await using var postgres = await Status("Starting PostgreSQL", () => PostgresServer.StartAsync(new PostgresServerOptions { UseExternal = false }, ct: ct));
        await using var kafka = await Status("Starting Kafka-protocol broker", () => KafkaCluster.StartAsync(new KafkaClusterOptions { UseExternal = false }, ct: ct));
        AnsiConsole.MarkupLine($"  PostgreSQL: [grey]{Markup.Escape(Redact(postgres.ConnectionString))}[/]");
        AnsiConsole.MarkupLine($"  Kafka ({kafka.Backend}): [grey]{Markup.Escape(kafka.BootstrapServers)}[/]");
        await TopicSetup.CreateAllAsync(kafka, partitions: 12, settings.Ingest, ct);

        var ledger = settings.Ledger;
        var ingest = settings.Ingest;
        ingest.BootstrapServers = kafka.BootstrapServers;
        using var host = PipelineHost.Build(postgres.ConnectionString, ingest, ledger, new PipelineRoles(Ingest: true, Projections: true), LogLevel.Error);
        await host.StartAsync(ct);
        var counters = host.Services.GetRequiredService<IngestCounters>();

        var records = history.Generate().ToList();
        var produced = new ProduceTally();
        var clock = Stopwatch.StartNew();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var produceTask = progress.AddTask("produce to Kafka (4 topics)", maxValue: records.Count);
                var ingestTask = progress.AddTask("ingest into event store", maxValue: records.Count);
                var produceDone = Task.Run(() => SyntheticProducer.Produce(kafka.BootstrapServers, records, valid => { produced.Count(valid); produceTask.Value = produced.Total; }), ct);
                var stall = new StallWatch(TimeSpan.FromMinutes(2));
                while (!produceDone.IsCompleted || Accounted(counters) < produced.Total)
                {
                    var processed = Accounted(counters);
                    stall.Observe(processed + produced.Total, "ingest made no progress; see the log above for the cause");
                    ingestTask.Value = processed;
                    await Task.Delay(200, ct);
                }

                await produceDone;
                ingestTask.Value = ingestTask.MaxValue;
            });
        var ingestSeconds = clock.Elapsed.TotalSeconds;
        await Status("Waiting for projections to catch up", () => host.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(5)));
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        var costs = new CostQueries(dataSource, ledger);
        await Status("Allocating cost per hour", () => WaitForAllocationAsync(costs, ct));

        var queries = new UsageQueries(dataSource, ledger);
        AnsiConsole.Write(UsageTables.Hourly(await queries.ByHourAsync(lastDay, end, ct), $"API token cost per hour (UTC), last day {lastDay:yyyy-MM-dd}"));
        AnsiConsole.Write(UsageTables.ByRouteModel(await queries.ByRouteModelAsync(start, end, ct), $"By route × model × traffic class, {range}"));
        AnsiConsole.Write(CostTables.Render($"Fully loaded cost per day (UTC), five buckets, {range}", "day", PerDay(await costs.GroupedAsync("hour", start, end, ct)), ledger.Currency));
        AnsiConsole.Write(CostTables.Render($"Fully loaded cost per hour (UTC), five buckets, last day {lastDay:yyyy-MM-dd}", "hour", await costs.GroupedAsync("hour", lastDay, end, ct), ledger.Currency));
        AnsiConsole.Write(CostTables.Render($"By route, {range}", "route", await costs.GroupedAsync("route", start, end, ct), ledger.Currency));
        AnsiConsole.MarkupLine(IssueTables.UnpricedLine(await costs.PricedShareAsync(start, end, ct)));
        var rules = await host.Services.GetRequiredService<LedgerRulesSource>().CurrentAsync(ct);
        var verified = await new LedgerVerifier(dataSource, ledger, rules).VerifyAsync(start, end, ct);
        LedgerCommands.Print(verified, await costs.IssuesAsync(start, end, ct), ledger.Currency);
        var findings = await FindingsService.ComputeAsync(dataSource, ledger, settings.Findings, start, end, settings.Governance.Commitments, ct);
        AnsiConsole.Write(FindingTables.Findings(findings.Messages(), "Findings: coverage, breakeven, rightsizing and commitments"));
        AnsiConsole.Write(AnomaliesTable(history.Anomalies.Describe()));

        // Governance as of the end of the history (its last day complete), with the configured budgets or demo ones.
        var asOf = new FixedTime(history.Calendar.End);
        var governance = await DemoGovernanceAsync(settings.Governance, dataSource, ledger, asOf, ct);
        var governanceSource = LedgerGovernanceSource.Create(dataSource, ledger, governance, asOf);
        var now = await governanceSource.ForWeekAsync(IsoWeek.Of(history.Calendar.End.AddDays(-1)), ct);
        AnsiConsole.Write(GovernanceTables.Budgets(now.Budgets));
        var detected = await new GovernanceViews(new GovernanceLedger(dataSource, ledger), governance).AnomaliesAsync(start, end, tenant: null, ct);
        AnsiConsole.Write(GovernanceTables.Anomalies([.. detected.Take(15)], ledger.Currency, range));
        if (detected.Count > 15)
        {
            AnsiConsole.MarkupLine($"… and {detected.Count - 15} smaller anomalies (truecost anomalies, GET /v1/anomalies)");
        }

        AnsiConsole.Write(GovernanceTables.MonthEnd([.. now.Forecasts.Where(f => f.Key.Dimension == "bucket")], ledger.Currency));

        // The last whole ISO week of the history, so the report compares two full weeks.
        var week = IsoWeek.Of(lastDay);
        if (week.End > history.Calendar.End)
        {
            week = week.Previous();
        }

        var report = await new WeeklyReportBuilder(
                dataSource, ledger, new LedgerFindingsSource(dataSource, ledger, settings.Findings, settings.Governance), asOf, governanceSource)
            .BuildAsync(week, ct);
        var reportFiles = await WeeklyReportWriter.WriteAsync(report, Path.Combine(outDir.FullName, "weekly"), ct);
        AnsiConsole.MarkupLine($"Weekly FinOps report {week} ({week.Start:yyyy-MM-dd} – {week.End.AddDays(-1):yyyy-MM-dd}, against {week.Previous()}) written:");
        foreach (var file in reportFiles)
        {
            AnsiConsole.MarkupLine($"  [link]{Markup.Escape(file)}[/]");
        }

        outDir.Create();
        var csv = Path.Combine(outDir.FullName, "usage-hourly.csv");
        await using (var file = File.CreateText(csv))
        {
            var rows = await queries.ExportCsvAsync(start, end, file, ct);
            AnsiConsole.MarkupLine($"Wrote {rows:N0} rows (hour × route × tenant × model × traffic class × serving) to [link]{Markup.Escape(csv)}[/]");
        }

        AnsiConsole.MarkupLine($"Produced {produced.Total:N0} records ({produced.Invalid:N0} deliberately invalid):");
        foreach (var topic in Topics.All)
        {
            var t = counters.For(topic);
            AnsiConsole.MarkupLine($"  {topic}: stored {t.Stored:N0}, dead-lettered {t.DeadLettered:N0} (to {Topics.DeadLetter(topic)}), duplicates {t.Duplicates:N0}" +
                (t.LostToRetention > 0 ? $", [red]{t.LostToRetention:N0} deleted by the broker before ingest[/]" : string.Empty));
        }

        AnsiConsole.MarkupLine($"Ingest rate: [bold]{produced.Total / ingestSeconds:N0} records/s[/] end to end (produce → stored with offsets) over {ingestSeconds:N1} s.");
        await host.StopAsync(CancellationToken.None);
        var lost = Topics.All.Sum(t => counters.For(t).LostToRetention);
        return lost == 0 && verified.Passed ? 0 : 1;
    }

    private static Table AnomaliesTable(IReadOnlyList<InjectedAnomaly> anomalies)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Injected anomalies (the known truth, to compare with what detection finds)[/]");
        table.AddColumns("kind", "series", "start (UTC)", "hours", "size");
        foreach (var a in anomalies)
        {
            table.AddRow(Markup.Escape(a.Kind), Markup.Escape(a.Series), a.Start.ToString("yyyy-MM-dd HH:00 ddd", CultureInfo.InvariantCulture), a.Hours.ToString(CultureInfo.InvariantCulture), Markup.Escape(a.Size));
        }

        return table;
    }

    /// <summary>The hour rows of cost_hourly summed per UTC day (their labels start with the date).</summary>
    private static List<CostLine> PerDay(IEnumerable<CostLine> hours) =>
    [
        .. hours.GroupBy(h => h.Label[..10]).Select(d => new CostLine(
            d.Key, d.Sum(h => h.DirectInference), d.Sum(h => h.PlatformOverhead), d.Sum(h => h.Observability), d.Sum(h => h.Engineering),
            d.Sum(h => h.Incident), d.Sum(h => h.Idle), d.Sum(h => h.Total), d.Sum(h => h.UnpricedRequests), d.Sum(h => h.UnpricedTokens))),
    ];

    /// <summary>
    /// The configured budgets, or, with none configured, two that show what budgets do on the demo's own data: all cost
    /// for the month at 95 % of the pace of the last 7 days, and a weekly budget for the tenant that cost most in those
    /// 7 days at what it cost in the 7 days before them.
    /// </summary>
    private static async Task<GovernanceOptions> DemoGovernanceAsync(GovernanceOptions configured, NpgsqlDataSource dataSource, LedgerOptions ledger, TimeProvider asOf, CancellationToken ct)
    {
        if (configured.Budgets.Count > 0)
        {
            return configured;
        }

        var now = asOf.GetUtcNow();
        var costs = new CostQueries(dataSource, ledger);
        var lastWeek = await costs.GroupedAsync("tenant", now.AddDays(-7), now, ct);
        var weekBefore = await costs.GroupedAsync("tenant", now.AddDays(-14), now.AddDays(-7), ct);
        var demo = new GovernanceOptions { Anomalies = configured.Anomalies, Forecast = configured.Forecast, Alerts = configured.Alerts };
        demo.Budgets.Add(new BudgetDefinition { Name = "platform-monthly", Amount = Math.Round(lastWeek.Sum(t => t.Total) / 7m * 30m * 0.95m / 100m) * 100m, Hard = true });
        if (lastWeek.Count > 0 && lastWeek[0] is var top && weekBefore.FirstOrDefault(t => t.Label == top.Label) is { Total: > 0 } before)
        {
            demo.Budgets.Add(new BudgetDefinition
            {
                Name = $"{top.Label}-weekly", Amount = Math.Round(before.Total, 0), Period = BudgetPeriodKind.Week, Scope = new BudgetScope { Tenant = top.Label },
            });
        }

        AnsiConsole.MarkupLine("No budget is configured (Governance:Budgets): the demo shows two made from its own data.");
        return demo;
    }

    private static long Accounted(IngestCounters counters) => Topics.All.Sum(t => counters.For(t).Processed + counters.For(t).LostToRetention);

    private static async Task WaitForAllocationAsync(CostQueries costs, CancellationToken ct)
    {
        var stall = new StallWatch(TimeSpan.FromMinutes(2));
        while (await costs.QueuedHoursAsync(ct) is var queued and > 0)
        {
            stall.Observe(queued, "cost allocation made no progress");
            await Task.Delay(200, ct);
        }
    }

    private static async Task<T> Status<T>(string what, Func<Task<T>> action) =>
        await AnsiConsole.Status().StartAsync(what + "…", _ => action());

    private static async Task Status(string what, Func<Task> action) =>
        await AnsiConsole.Status().StartAsync(what + "…", _ => action());

    internal static string Redact(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Password = null }.ConnectionString;

    /// <summary>The demo's "now": the end of its synthetic history.</summary>
    private sealed class FixedTime(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }

    private sealed class ProduceTally
    {
        private long _total;
        private long _invalid;

        public long Total => Interlocked.Read(ref _total);

        public long Invalid => Interlocked.Read(ref _invalid);

        public void Count(bool valid)
        {
            Interlocked.Increment(ref _total);
            if (!valid)
            {
                Interlocked.Increment(ref _invalid);
            }
        }
    }
}
