using System.Text.Json.Serialization;
using TrueCost.Contracts.Metrics;
using TrueCost.Contracts.Otlp;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// Configuration section <c>Ingest:Otlp</c>: the topics the OpenTelemetry Collector's Kafka exporter writes
/// (its defaults), their encoding, and how GenAI spans and GPU metrics become TrueCost records.
/// </summary>
public sealed class OtlpIngestOptions
{
    /// <summary>Consume the OTLP topics at all (they are created by the Collector; a missing topic is only waited for).</summary>
    public bool Enabled { get; set; } = true;

    public string SpansTopic { get; set; } = "otlp_spans";

    public string MetricsTopic { get; set; } = "otlp_metrics";

    /// <summary><c>auto</c> (JSON when a message starts with <c>{</c>, protobuf otherwise), <c>otlp_proto</c> or <c>otlp_json</c>.</summary>
    public string Encoding { get; set; } = "auto";

    /// <summary>Section <c>Ingest:Otlp:Spans</c>: the attributes that give a GenAI span its route, tenant, traffic class and pool.</summary>
    public GenAiSpanMapping Spans { get; set; } = new();

    /// <summary>Section <c>Ingest:Otlp:Metrics</c>: the labels that give a GPU its pool and node.</summary>
    public GpuMetricMapping Metrics { get; set; } = new();

    [JsonIgnore]
    public OtlpEncoding WireEncoding => Encoding.ToLowerInvariant() switch
    {
        "otlp_proto" => OtlpEncoding.OtlpProto,
        "otlp_json" => OtlpEncoding.OtlpJson,
        _ => OtlpEncoding.Auto,
    };

    public void Validate()
    {
        foreach (var (key, topic) in new[] { ("SpansTopic", SpansTopic), ("MetricsTopic", MetricsTopic) })
        {
            if (string.IsNullOrWhiteSpace(topic) || topic.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
            {
                throw new InvalidOperationException($"Ingest:Otlp:{key} '{topic}' is not a Kafka topic name (letters, digits, '.', '_', '-')");
            }
        }

        if (Encoding.ToLowerInvariant() is not ("auto" or "otlp_proto" or "otlp_json"))
        {
            throw new InvalidOperationException($"Ingest:Otlp:Encoding '{Encoding}' is not one of auto, otlp_proto, otlp_json");
        }

        if (SpansTopic == MetricsTopic)
        {
            throw new InvalidOperationException($"Ingest:Otlp:SpansTopic and MetricsTopic are both '{SpansTopic}'; spans and metrics need their own topics");
        }

        Spans.Validate();
        Metrics.Validate();
    }
}
