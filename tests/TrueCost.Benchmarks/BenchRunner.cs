using System.Diagnostics;
using Spectre.Console;
using TrueCost.Benchmarks.EndToEnd;
using TrueCost.Benchmarks.Explorer;
using TrueCost.Benchmarks.Freshness;
using TrueCost.Benchmarks.Limits;
using TrueCost.Benchmarks.Queries;
using TrueCost.Benchmarks.Rebuild;
using TrueCost.Benchmarks.Reports;
using TrueCost.Benchmarks.Results;
using TrueCost.Benchmarks.Setup;
using TrueCost.Contracts;

namespace TrueCost.Benchmarks;

/// <summary>Runs every stage in order on the same servers, then prints the table and writes the JSON.</summary>
public static class BenchRunner
{
    public static async Task<int> RunAsync(BenchPlan plan, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        Stage($"TrueCost benchmark, {plan.Mode} mode: {plan.Records:N0} records");
        await using var infra = await Timed("starting PostgreSQL and the Kafka-protocol broker", () => BenchInfrastructure.StartAsync(plan.ToastCompression, ct));
        var environment = await infra.DescribeAsync(ct);
        Stage(environment);
        var records = await Timed($"generating {plan.Records:N0} request records", () => Task.Run(() => RequestWorkload.Generate(plan.Records, seed: 42), ct));

        var copy = await Timed($"binary COPY (the limit), {CopyLimit.Runs} runs", async () =>
            await CopyLimit.RunAsync(await infra.CreateDatabaseAsync("copy", ct), records, infra.Cpu, ct));
        var batchShape = new AppendShape(plan.IngestBatchSize, plan.IngestBatchSize, plan.Partitions);
        var marten = await Timed($"Marten append, {plan.IngestBatchSize:N0} requests per event", async () =>
            await MartenAppend.RunAsync(await infra.CreateDatabaseAsync("marten", ct), records, batchShape, Topics.RequestLogs, infra.Cpu, ct));
        var ingest = await Timed("end-to-end ingest", () => IngestRun.RunAsync(infra, plan, IngestFeed.Native(records, plan.WarmUpRecords), ct));
        var otlp = await Timed($"OTLP end-to-end ingest: the same records as spans, {OtlpExports.SpansPerMessage} per trace export", async () =>
        {
            var feed = IngestFeed.Otlp(records, plan.WarmUpRecords);
            return new OtlpIngestResult(await IngestRun.RunAsync(infra, plan, feed, ct), feed.Messages.Count, feed.Bytes);
        });
        var ingestShape = batchShape with { RecordsPerEvent = Math.Max(1, (int)Math.Round(ingest.RecordsPerEvent)) };
        var shaped = records.Take(Math.Min(records.Length, BenchPlan.ShapedAppendRecords)).ToArray();
        var martenShaped = await Timed($"Marten append, {ingestShape.RecordsPerEvent:N0} requests per event (as the end-to-end run stored them)", async () =>
            await MartenAppend.RunAsync(await infra.CreateDatabaseAsync("marten_shaped", ct), shaped, ingestShape, Topics.RequestLogs, infra.Cpu, ct));
        records = [];
        shaped = [];
        var rebuild = await Timed("usage_hourly rebuild over the end-to-end events", () =>
            ProjectionRebuild.RunAsync(ingest.ConnectionString, ingest.Records + ingest.WarmUpRecords, plan.ProjectionBatchSize, ct));
        var freshness = await Timed($"projection lag at {plan.FreshnessRate:N0} records/s for {plan.FreshnessDuration.TotalSeconds:0} s", () => FreshnessRun.RunAsync(infra, plan, ct));
        var data = await Timed($"seeding {plan.QueryRequests:N0} requests over {plan.QueryDays} days", async () =>
            await QueryDataSeed.SeedAsync(await infra.CreateDatabaseAsync("query", ct), plan.QueryRequests, plan.QueryDays, ct));
        var queries = await Timed("cost queries", () => QueryLatency.RunAsync(data, plan.QueryRepeats, ct));
        var report = await Timed("weekly report", () => WeeklyReportTiming.RunAsync(data, ct));
        var explorer = await Timed("cost explorer first view (server and Chromium)", () => ExplorerFirstView.RunAsync(data, plan.QueryRepeats, ct));

        var run = new BenchRun(plan, environment, copy, marten, martenShaped, ingest, otlp, rebuild, freshness, data, queries, report, explorer);
        AnsiConsole.WriteLine();
        AnsiConsole.Write(ResultsTable.Render(run));
        foreach (var note in ResultsTable.Notes(run))
        {
            AnsiConsole.WriteLine(note);
        }

        if (plan.JsonFile is { } json)
        {
            await run.Figures().WriteAsync(json, ct);
            AnsiConsole.WriteLine($"Wrote {json.FullName}");
        }

        AnsiConsole.WriteLine($"Benchmark took {total.Elapsed.TotalSeconds:N0} s.");
        return 0;
    }

    private static void Stage(string text) => AnsiConsole.WriteLine(text);

    private static async Task<T> Timed<T>(string what, Func<Task<T>> stage)
    {
        var clock = Stopwatch.StartNew();
        AnsiConsole.WriteLine($"• {what}…");
        var result = await stage();
        AnsiConsole.WriteLine($"  done in {clock.Elapsed.TotalSeconds:N1} s");
        return result;
    }
}
