using TrueCost.Benchmarks.Measurement;
using TrueCost.Benchmarks.EndToEnd;
using TrueCost.Benchmarks.Explorer;
using TrueCost.Benchmarks.Freshness;
using TrueCost.Benchmarks.Limits;
using TrueCost.Benchmarks.Queries;
using TrueCost.Benchmarks.Rebuild;
using TrueCost.Benchmarks.Reports;

namespace TrueCost.Benchmarks.Results;

/// <summary>Everything one run measured.</summary>
public sealed record BenchRun(
    BenchPlan Plan,
    string Environment,
    LimitResult Copy,
    AppendResult MartenAppend,
    AppendResult MartenShapedAppend,
    IngestResult Ingest,
    OtlpIngestResult Otlp,
    RebuildResult Rebuild,
    FreshnessResult Freshness,
    QueryData QueryData,
    QueryLatencyResult Queries,
    ReportTimingResult Report,
    ExplorerFirstViewResult Explorer)
{
    public double EndToEndToCopy => Ingest.RecordsPerSecond / Copy.RecordsPerSecond;

    /// <summary>OTLP spans per second end to end against native request-log records per second, in this run.</summary>
    public double OtlpToNative => Otlp.Ingest.RecordsPerSecond / Ingest.RecordsPerSecond;

    /// <summary>Core-seconds per million records of COPY: PostgreSQL and the client writing it.</summary>
    public double? CopyCpuPerMillion =>
        CoresUsed.PerMillion(Copy.Cores.Postgres, Copy.Cores.Seconds, Copy.Records) + CoresUsed.PerMillion(Copy.Cores.Bench, Copy.Cores.Seconds, Copy.Records);

    /// <summary>Core-seconds per million records end to end: the worker and PostgreSQL, without the in-process broker and producer.</summary>
    public double? EndToEndCpuPerMillion =>
        CoresUsed.PerMillion(Ingest.Cores.Postgres, Ingest.Cores.Seconds, Ingest.Records) + CoresUsed.PerMillion(Ingest.Cores.Worker, Ingest.Cores.Seconds, Ingest.Records);

    public BenchFigures Figures() => new(
        Math.Round(Copy.RecordsPerSecond),
        Math.Round(MartenAppend.RecordsPerSecond),
        Math.Round(Ingest.RecordsPerSecond),
        Math.Round(EndToEndToCopy, 3),
        Math.Round(Otlp.Ingest.RecordsPerSecond),
        Math.Round(OtlpToNative, 3),
        Math.Round(Freshness.P50Ms, 1),
        Math.Round(Freshness.P95Ms, 1),
        Math.Round(Freshness.P99Ms, 1),
        Math.Round(Queries.P50Ms, 1),
        Math.Round(Queries.P95Ms, 1),
        Math.Round(Report.Seconds, 2),
        Math.Round(Explorer.ServerP95Ms, 1),
        Round(Explorer.BrowserP95Ms, 1),
        Math.Round(Rebuild.Seconds, 2),
        Math.Round(Ingest.PeakWorkingSetMb, 1),
        Round(CopyCpuPerMillion, 2),
        Round(EndToEndCpuPerMillion, 2),
        Round(EndToEndCpuPerMillion / CopyCpuPerMillion, 3),
        Ingest.Records);

    private static double? Round(double? value, int digits) => value is { } v ? Math.Round(v, digits) : null;
}
