using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using TrueCost.Benchmarks.Freshness;
using TrueCost.Benchmarks.Limits;
using TrueCost.Benchmarks.Measurement;

namespace TrueCost.Benchmarks.Results;

/// <summary>The table the benchmark prints: each figure, its target, and the ratio to the target.</summary>
public static class ResultsTable
{
    private const double CopyShareTarget = 0.5;
    private const double OtlpShareTarget = 0.5;
    private const double LagP95TargetMs = 5_000;
    private const double QueryP95TargetMs = 200;
    private const double ReportTargetSeconds = 10;
    private const double FirstViewTargetMs = 1000;
    private const double RebuildTargetSeconds = 600;

    /// <summary>Busy cores of other processes above which the absolute figures are flagged as disturbed.</summary>
    private const double InterferenceCores = 0.25;

    public static IRenderable Render(BenchRun run)
    {
        var (ingest, fresh, queries, rebuild) = (run.Ingest, run.Freshness, run.Queries, run.Rebuild);
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"TrueCost benchmark ({run.Plan.Mode} mode, {ingest.Records:N0} records)")
            .AddColumn("measure").AddColumn(new TableColumn("result").RightAligned()).AddColumn("target").AddColumn("vs target");
        var (copy, marten, shaped) = (run.Copy, run.MartenAppend, run.MartenShapedAppend);
        Row(table, $"binary COPY of the records (id + jsonb), fastest of {CopyLimit.Runs} COPYs — the limit", Rate(copy.RecordsPerSecond), "—", "—");
        Row(table, $"Marten append, Quick, {marten.Shape.RecordsPerEvent:N0} requests per event, one event per commit",
            Rate(marten.RecordsPerSecond), "—", $"{marten.RecordsPerSecond / copy.RecordsPerSecond:0.00} × COPY");
        Row(table, $"Marten append, Quick, {shaped.Shape.RecordsPerEvent:N0} requests per event as the ingest stored them, {shaped.Shape.RecordsPerCommit:N0} per commit ({shaped.Records:N0} records)",
            Rate(shaped.RecordsPerSecond), "—", $"{shaped.RecordsPerSecond / copy.RecordsPerSecond:0.00} × COPY");
        var by = (ingest.Workers == 1 ? "one worker" : $"{ingest.Workers} workers") + $", {run.Plan.WriteLanes} write lanes, after {run.Plan.WarmUpRecords:N0} warm-up records";
        Row(table, $"end-to-end ingest: produced → stored, offsets committed ({ingest.Records:N0} records in {ingest.Seconds:N1} s, {by})",
            Rate(ingest.RecordsPerSecond), "≥ 0.50 × COPY", Verdict(run.EndToEndToCopy >= CopyShareTarget, $"{run.EndToEndToCopy:0.00} × COPY"));
        Row(table, "  worker CPU (own process: TotalProcessorTime / wall; summed over workers)", $"{ingest.Cores.Worker:0.00} cores", "—", "—");
        Row(table, "  worker working set / GC heap at 25 · 50 · 75 · 100 % of records (largest worker)",
            string.Join(" · ", ingest.Memory.Select(m => $"{m.WorkingSetMb:0}/{m.GcHeapMb:0}")) + " MB",
            "flat", Verdict(ingest.MemoryFlat, $"{ingest.Memory[^1].WorkingSetMb / ingest.Memory[0].WorkingSetMb:0.00} × the 25 % figure"));
        Row(table, "  worker peak working set (sampled every 100 ms)", $"{ingest.PeakWorkingSetMb:N0} MB", "—", "—");
        var otlp = run.Otlp;
        Row(table, $"OTLP end-to-end ingest: the same kind of records as GenAI spans, otlp_proto trace exports of {otlp.SpansPerMessage:N0} spans ({otlp.BytesPerSpan:N0} bytes per span) → stored, offsets committed ({otlp.Ingest.Records:N0} spans in {otlp.Ingest.Seconds:N1} s, {otlp.Messages:N0} messages, after {run.Plan.WarmUpRecords:N0} warm-up spans)",
            $"{otlp.Ingest.RecordsPerSecond:N0} spans/s", "≥ 0.50 × native", Verdict(run.OtlpToNative >= OtlpShareTarget, $"{run.OtlpToNative:0.00} × native"));
        Row(table, "  worker CPU during the OTLP run", $"{otlp.Ingest.Cores.Worker:0.00} cores", "—", "—");
        Row(table, $"projection lag p50 / p95 / p99 at {fresh.AchievedRate:N0} records/s for {run.Plan.FreshnessDuration.TotalSeconds:0} s ({fresh.Markers} markers)",
            $"{fresh.P50Ms:N0} / {fresh.P95Ms:N0} / {fresh.P99Ms:N0} ms", "p95 < 5 s", Verdict(fresh.P95Ms < LagP95TargetMs, $"{fresh.P95Ms / LagP95TargetMs:0.00} × target"));
        Row(table, $"cost by route and by tenant over {run.Plan.QueryDays} days, {run.QueryData.Requests:N0} requests, p50 / p95 ({queries.Runs} runs)",
            $"{queries.P50Ms:N1} / {queries.P95Ms:N1} ms", "p95 < 200 ms", Verdict(queries.P95Ms < QueryP95TargetMs, $"{queries.P95Ms / QueryP95TargetMs:0.00} × target"));
        Row(table, $"weekly report {run.Report.Week}: load + compose + write HTML/Markdown/CSV (median of 3)",
            $"{run.Report.Seconds:N2} s", "< 10 s", Verdict(run.Report.Seconds < ReportTargetSeconds, $"{run.Report.Seconds / ReportTargetSeconds:0.00} × target"));
        var explorer = run.Explorer;
        Row(table, $"cost explorer overview (default view: the last 7 days), server, {run.QueryData.Requests:N0} requests in the ledger, p50 / p95 ({explorer.Runs} runs)",
            $"{explorer.ServerP50Ms:N1} / {explorer.ServerP95Ms:N1} ms", "—", "—");
        Row(table, $"  explorer page p95 · overview over all {run.Plan.QueryDays} days p95 (server)", $"{explorer.ExplorerServerP95Ms:N1} · {explorer.MonthServerP95Ms:N1} ms", "—", "—");
        Row(table, "cost explorer first view in Chromium: navigation → overview chart drawn, nothing cached (fresh context each run), p50 / p95",
            explorer.BrowserP95Ms is { } p95 ? $"{explorer.BrowserP50Ms:N0} / {p95:N0} ms" : "skipped",
            "p95 < 1 s", explorer.BrowserP95Ms is { } b ? Verdict(b < FirstViewTargetMs, $"{b / FirstViewTargetMs:0.00} × target") : explorer.BrowserNote ?? "—");
        Row(table, "  the same page opened again, script cached, p50 / p95",
            explorer.WarmBrowserP95Ms is { } w ? $"{explorer.WarmBrowserP50Ms:N0} / {w:N0} ms" : "skipped", "—", "—");
        Row(table, $"usage_hourly rebuild, measured over the end-to-end events ({rebuild.Requests:N0} requests, {rebuild.Events:N0} events, {rebuild.PageSize:N0} events per daemon page)",
            $"{rebuild.Seconds:N2} s", "—", $"{rebuild.RequestsPerSecond:N0} requests/s");
        var extrapolated = rebuild.ExtrapolatedSecondsFor(BenchPlan.TargetRequests);
        Row(table, $"usage_hourly rebuild of {BenchPlan.TargetRequests:N0} requests (extrapolated linearly from the line above)",
            $"{extrapolated:N0} s", "< 10 min", Verdict(extrapolated < RebuildTargetSeconds, $"{extrapolated / RebuildTargetSeconds:0.00} × target"));
        return table;
    }

    /// <summary>How the figures were obtained, and where the time went.</summary>
    public static IEnumerable<string> Notes(BenchRun run)
    {
        var (ingest, fresh) = (run.Ingest, run.Freshness);
        yield return run.Environment;
        if (new[] { ingest.Cores.Other, run.Otlp.Ingest.Cores.Other, fresh.Cores.Other }.Max(c => c ?? 0) > InterferenceCores)
        {
            yield return "WARNING: other processes used CPU during the run (see 'other' below); absolute figures are lower than this machine can do alone.";
        }

        yield return string.Create(CultureInfo.InvariantCulture,
            $"End-to-end: {ingest.Transactions:N0} ingest transactions ({ingest.RecordsPerTransaction:N0} records each) stored {ingest.Events:N0} events ({ingest.RecordsPerEvent:N0} records each) from {run.Plan.Partitions} partitions.");
        yield return $"End-to-end CPU: {Describe(ingest.Cores)}.";
        yield return CostPerMillion(run);
        var otlp = run.Otlp.Ingest;
        yield return string.Create(CultureInfo.InvariantCulture,
            $"OTLP end-to-end: {otlp.Transactions:N0} ingest transactions ({otlp.RecordsPerTransaction:N0} spans each; the ingest batch size counts messages) stored {otlp.Events:N0} events ({otlp.RecordsPerEvent:N0} spans each). CPU: {Describe(otlp.Cores)}. " +
            $"Per million spans (core-seconds): PostgreSQL {Cores(CoresUsed.PerMillion(otlp.Cores.Postgres, otlp.Cores.Seconds, otlp.Records))}, worker {Cores(CoresUsed.PerMillion(otlp.Cores.Worker, otlp.Cores.Seconds, otlp.Records))}, " +
            $"broker + producer {Cores(CoresUsed.PerMillion(otlp.Cores.Bench, otlp.Cores.Seconds, otlp.Records))}.");
        yield return $"Lag stage CPU: {Describe(fresh.Cores)}.";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Lag split (database clock, transaction start times): produce → ingest commit p50 {fresh.Split.IngestP50Ms:N0} ms, p95 {fresh.Split.IngestP95Ms:N0} ms; ingest commit → usage_hourly p50 {fresh.Split.ProjectionP50Ms:N0} ms, p95 {fresh.Split.ProjectionP95Ms:N0} ms.");
        yield return "The worker is the deployable pipeline host (PipelineHost) in a process of its own, started by the benchmark: ingest role only for the end-to-end run; "
            + "ingest and projections together for the lag run. Its CPU and memory are that process's own.";
        yield return $"Lag: a marker request (a tenant of its own) every 100 ms, from hand-over to the producer (linger {FreshnessRun.ProducerLinger.TotalMilliseconds:0} ms) until a poll of usage_hourly (every {FreshnessRun.PollEvery.TotalMilliseconds:0} ms) finds its row.";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Query and report data: {run.QueryData.UsageRows:N0} usage_hourly and {run.QueryData.CostRows:N0} cost_hourly rows ({run.QueryData.Requests:N0} requests over {run.Plan.QueryDays} days × 7 routes × 40 tenants) seeded with COPY in {run.QueryData.SeedSeconds:N1} s, bypassing ingest and projections.");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Weekly report: first (cold) run {run.Report.FirstSeconds:N2} s; loading from PostgreSQL {run.Report.LoadSeconds:N2} s of the median run; {run.Report.Files} files written.");
    }

    /// <summary>
    /// Core-seconds per million records: what each path costs, which other load on the machine
    /// changes far less than it changes rates; and the rate that cost would allow on every core.
    /// </summary>
    private static string CostPerMillion(BenchRun run)
    {
        var (copy, marten, shaped, ingest) = (run.Copy, run.MartenAppend, run.MartenShapedAppend, run.Ingest);
        double? Pm(double? cores, CoresUsed window, long records) => CoresUsed.PerMillion(cores, window.Seconds, records);
        var copyPg = Pm(copy.Cores.Postgres, copy.Cores, copy.Records);
        var copyClient = Pm(copy.Cores.Bench, copy.Cores, copy.Records);
        var ingestPg = Pm(ingest.Cores.Postgres, ingest.Cores, ingest.Records);
        var ingestWorker = Pm(ingest.Cores.Worker, ingest.Cores, ingest.Records);
        var cores = Environment.ProcessorCount;
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU per million records (core-seconds): COPY — PostgreSQL {Cores(copyPg)}, client {Cores(copyClient)}; " +
            $"Marten append — PostgreSQL {Cores(Pm(marten.Cores.Postgres, marten.Cores, marten.Records))} ({marten.Shape.RecordsPerEvent:N0} per event), " +
            $"{Cores(Pm(shaped.Cores.Postgres, shaped.Cores, shaped.Records))} ({shaped.Shape.RecordsPerEvent:N0} per event); " +
            $"end-to-end — PostgreSQL {Cores(ingestPg)}, worker {Cores(ingestWorker)}, broker + producer {Cores(Pm(ingest.Cores.Bench, ingest.Cores, ingest.Records))}. " +
            $"With all {cores} cores busy on it, that cost allows at most {Ceiling(cores, copyPg + copyClient)} records/s for COPY and {Ceiling(cores, ingestPg + ingestWorker)} end to end. " +
            $"End to end (worker + PostgreSQL) costs {Ratio(run.EndToEndCpuPerMillion / run.CopyCpuPerMillion)} the CPU of COPY (PostgreSQL + client) per record (target ≤ 2 ×).");
    }

    private static string Ratio(double? value) => value is { } v ? v.ToString("0.00 ×", CultureInfo.InvariantCulture) : "n/a";

    private static string Ceiling(int cores, double? coreSecondsPerMillion) =>
        coreSecondsPerMillion is > 0 ? (cores * 1_000_000 / coreSecondsPerMillion.Value).ToString("N0", CultureInfo.InvariantCulture) : "n/a";

    private static string Describe(CoresUsed cores) => string.Create(CultureInfo.InvariantCulture,
        $"worker {cores.Worker:0.00} cores, benchmark process (producer + in-process broker) {cores.Bench:0.00}, PostgreSQL {Cores(cores.Postgres)}, " +
        $"other processes {Cores(cores.Other)}; whole machine {Cores(cores.Machine)} of {Environment.ProcessorCount}");

    private static void Row(Table table, string measure, string result, string target, string verdict) =>
        table.AddRow(new Text(measure), new Text(result), new Text(target), new Markup(verdict));

    private static string Rate(double perSecond) => $"{perSecond:N0} records/s";

    private static string Cores(double? value) => value is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";

    private static string Verdict(bool met, string ratio) => met ? $"[green]{Markup.Escape(ratio)} ✓[/]" : $"[red]{Markup.Escape(ratio)} ✗[/]";
}
