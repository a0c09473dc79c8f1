namespace TrueCost.Contracts.Metrics;

/// <summary>How a metric's value is to be read.</summary>
public enum MetricKind
{
    /// <summary>A value at an instant (DCGM fields, vLLM running/waiting requests and KV-cache usage).</summary>
    Gauge,

    /// <summary>A cumulative, monotonic count since the series started (vLLM token counters); a drop is a reset.</summary>
    Counter,

    /// <summary>A count of the interval since the previous point (OTLP delta temporality).</summary>
    Delta,

    /// <summary>Histograms, summaries and anything else TrueCost does not read.</summary>
    Other,
}

/// <summary>
/// One sample of one metric series, from an OTLP metrics message or a Prometheus / OpenMetrics scrape.
/// Labels hold the point's labels (Prometheus) or its attributes merged over its resource's attributes
/// (OTLP; the point's own attribute wins on a clash), all as text.
/// </summary>
/// <param name="Name">As the producer wrote it (<c>DCGM_FI_DEV_GPU_UTIL</c>, <c>vllm:prompt_tokens_total</c>).</param>
public sealed record MetricPoint(
    string Name,
    MetricKind Kind,
    double Value,
    DateTimeOffset Timestamp,
    IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// One metric point of a message: the point, or why it could not be read, with the bytes it came from
/// (dead-letter payload when it is refused alone).
/// </summary>
public readonly record struct MetricPointEntry(MetricPoint? Point, string? Error, ReadOnlyMemory<byte> Content);
