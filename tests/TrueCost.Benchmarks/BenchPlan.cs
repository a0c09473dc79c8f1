using TrueCost.Ingest.Pipeline;

namespace TrueCost.Benchmarks;

/// <summary>Settings under test that the command line may change, for before/after comparisons.</summary>
public sealed record BenchTuning(int? IngestBatchSize, int? Partitions, int? ProjectionBatchSize, int? Workers, int? WriteLanes, string? ToastCompression);

/// <summary>How much work each stage does; <c>--quick</c> shrinks every stage so the whole run takes seconds.</summary>
public sealed record BenchPlan(
    bool Quick,
    int Records,
    int WarmUpRecords,
    int IngestBatchSize,
    int Partitions,
    int? ProjectionBatchSize,
    int Workers,
    int WriteLanes,
    string? ToastCompression,
    int FreshnessRate,
    TimeSpan FreshnessDuration,
    long QueryRequests,
    int QueryDays,
    int QueryRepeats,
    FileInfo? JsonFile)
{
    /// <summary>The full-mode size the issue asks for: end-to-end ingest sustained for at least 2 million records.</summary>
    public const int FullRecords = 2_000_000;

    public const int QuickRecords = 50_000;

    /// <summary>Records the worker ingests before the end-to-end clock starts, so its hot path is fully compiled.</summary>
    private const int FullWarmUpRecords = 200_000;
    private const int QuickWarmUpRecords = 25_000;

    /// <summary>Request volume the 10-million-request targets (query latency, rebuild time) are stated for.</summary>
    public const long TargetRequests = 10_000_000;

    /// <summary>The ingest's own default (IngestOptions.BatchSize) and the partition count the demo creates.</summary>
    private const int DefaultIngestBatchSize = 5_000;
    private const int DefaultPartitions = 12;

    /// <summary>Marten's append at the end-to-end event shape is a steady rate; this many records measure it.</summary>
    public const int ShapedAppendRecords = 500_000;

    public string Mode => Quick ? "quick" : "full";

    public static BenchPlan Create(bool quick, int? records, FileInfo? json, BenchTuning tuning)
    {
        ArgumentNullException.ThrowIfNull(tuning);
        var n = records ?? (quick ? QuickRecords : FullRecords);
        Check("--records", n, 1_000, 50_000_000);
        var batch = tuning.IngestBatchSize ?? DefaultIngestBatchSize;
        Check("--batch-size", batch, 1, 100_000);
        var partitions = tuning.Partitions ?? DefaultPartitions;
        Check("--partitions", partitions, 1, 1_000);
        if (tuning.ToastCompression is { } method && method is not ("pglz" or "lz4"))
        {
            throw new BenchmarkException($"--toast-compression {method} is neither pglz nor lz4");
        }

        var lanes = tuning.WriteLanes ?? new IngestOptions().WriteLanes;
        Check("--write-lanes", lanes, 1, 16);
        var workers = tuning.Workers ?? 1;
        Check("--workers", workers, 1, partitions);
        if (tuning.ProjectionBatchSize is { } page)
        {
            Check("--projection-batch-size", page, 1, 100_000);
        }

        return quick
            ? new BenchPlan(true, n, QuickWarmUpRecords, batch, partitions, tuning.ProjectionBatchSize, workers, lanes, tuning.ToastCompression, 10_000, TimeSpan.FromSeconds(3), 250_000, 30, 10, json)
            : new BenchPlan(false, n, FullWarmUpRecords, batch, partitions, tuning.ProjectionBatchSize, workers, lanes, tuning.ToastCompression, 10_000, TimeSpan.FromSeconds(60), TargetRequests, 30, 100, json);
    }

    private static void Check(string option, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            throw new BenchmarkException($"{option} {value} is outside {min}..{max}");
        }
    }
}

/// <summary>A failure of the benchmark itself (setup, lost records, a stage that stalled); printed without a stack trace.</summary>
public sealed class BenchmarkException(string message) : Exception(message);
