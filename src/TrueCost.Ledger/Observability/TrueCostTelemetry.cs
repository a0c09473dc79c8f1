using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TrueCost.Ledger.Observability;

/// <summary>
/// The one meter and the one activity source of every TrueCost process. Instruments are created once, beside the code
/// that measures (<c>IngestMetrics</c>, <c>ReportingMetrics</c>, <see cref="LedgerGauges"/>); a process exports them
/// only when it starts its telemetry (Prometheus <c>/metrics</c>, OTLP).
/// </summary>
public static class TrueCostTelemetry
{
    public const string Name = "TrueCost";

    public static readonly Meter Meter = new(Name, typeof(TrueCostTelemetry).Assembly.GetName().Version?.ToString());

    public static readonly ActivitySource Source = new(Name, typeof(TrueCostTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Bucket bounds in seconds for durations from a few milliseconds to a minute.</summary>
    public static readonly IReadOnlyList<double> SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>A histogram of durations in seconds with <see cref="SecondsBuckets"/>.</summary>
    public static Histogram<double> SecondsHistogram(string name, string description) =>
        Meter.CreateHistogram(name, "s", description, tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
}

/// <summary>Tags of the health checks: <c>/healthz</c> runs the <see cref="Live"/> ones, <c>/readyz</c> the <see cref="Ready"/> ones.</summary>
public static class HealthTags
{
    public const string Live = "live";
    public const string Ready = "ready";
}
