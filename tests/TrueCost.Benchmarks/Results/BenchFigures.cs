using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrueCost.Benchmarks.Results;

/// <summary>The figures <c>--json</c> writes, under the keys the issue fixes; null where a mode skips one.</summary>
public sealed record BenchFigures(
    [property: JsonPropertyName("copy_records_per_s")] double? CopyRecordsPerSecond,
    [property: JsonPropertyName("marten_append_records_per_s")] double? MartenAppendRecordsPerSecond,
    [property: JsonPropertyName("e2e_records_per_s")] double? EndToEndRecordsPerSecond,
    [property: JsonPropertyName("e2e_to_copy_ratio")] double? EndToEndToCopyRatio,
    [property: JsonPropertyName("otlp_spans_per_s")] double? OtlpSpansPerSecond,
    [property: JsonPropertyName("otlp_to_native_ratio")] double? OtlpToNativeRatio,
    [property: JsonPropertyName("lag_p50_ms")] double? LagP50Ms,
    [property: JsonPropertyName("lag_p95_ms")] double? LagP95Ms,
    [property: JsonPropertyName("lag_p99_ms")] double? LagP99Ms,
    [property: JsonPropertyName("query_p50_ms")] double? QueryP50Ms,
    [property: JsonPropertyName("query_p95_ms")] double? QueryP95Ms,
    [property: JsonPropertyName("report_s")] double? ReportSeconds,
    [property: JsonPropertyName("explorer_server_p95_ms")] double? ExplorerServerP95Ms,
    [property: JsonPropertyName("explorer_browser_p95_ms")] double? ExplorerBrowserP95Ms,
    [property: JsonPropertyName("rebuild_s")] double? RebuildSeconds,
    [property: JsonPropertyName("worker_peak_mb")] double? WorkerPeakMb,
    [property: JsonPropertyName("copy_cpu_s_per_million")] double? CopyCpuSecondsPerMillion,
    [property: JsonPropertyName("e2e_cpu_s_per_million")] double? EndToEndCpuSecondsPerMillion,
    [property: JsonPropertyName("e2e_cpu_to_copy_cpu")] double? EndToEndCpuToCopyCpu,
    [property: JsonPropertyName("records")] long Records)
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public async Task WriteAsync(FileInfo file, CancellationToken ct)
    {
        file.Directory?.Create();
        await using var stream = file.Create();
        await JsonSerializer.SerializeAsync(stream, this, Options, ct);
    }
}
