using System.Text.Json.Serialization;
using TrueCost.Contracts.Validation;

namespace TrueCost.Contracts.RequestLogs;

/// <summary>
/// One LLM call as a gateway reports it (topic <see cref="Topics.RequestLogs"/>, schema
/// schemas/request-log.v1.schema.json). Usage fields use OpenTelemetry GenAI attribute names.
/// </summary>
public sealed record RequestLogRecord
{
    [JsonPropertyName("schema_version")] public int SchemaVersion { get; init; } = 1;
    [JsonPropertyName("request_id")] public required string RequestId { get; init; }
    [JsonPropertyName("timestamp")] public required DateTimeOffset Timestamp { get; init; }
    [JsonPropertyName("route")] [JsonConverter(typeof(RepeatedTextConverter))] public required string Route { get; init; }
    [JsonPropertyName("tenant")] [JsonConverter(typeof(RepeatedTextConverter))] public required string Tenant { get; init; }
    [JsonPropertyName("gen_ai.provider.name")] [JsonConverter(typeof(RepeatedTextConverter))] public required string Provider { get; init; }
    [JsonPropertyName("gen_ai.request.model")] [JsonConverter(typeof(RepeatedTextConverter))] public required string Model { get; init; }
    [JsonPropertyName("gen_ai.usage.input_tokens")] public required long InputTokens { get; init; }
    [JsonPropertyName("gen_ai.usage.output_tokens")] public required long OutputTokens { get; init; }
    [JsonPropertyName("gen_ai.usage.cached_input_tokens")] public long CachedInputTokens { get; init; }
    [JsonPropertyName("serving_mode")] [JsonConverter(typeof(RepeatedTextConverter))] public required string ServingMode { get; init; }
    [JsonPropertyName("gpu_pool")] [JsonConverter(typeof(RepeatedTextConverter))] public string? GpuPool { get; init; }
    [JsonPropertyName("traffic_class")] [JsonConverter(typeof(RepeatedTextConverter))] public required string TrafficClass { get; init; }
    [JsonPropertyName("status")] [JsonConverter(typeof(RepeatedTextConverter))] public required string Status { get; init; }
    [JsonPropertyName("attempt")] public int Attempt { get; init; } = 1;
    [JsonPropertyName("retry_of")] public string? RetryOf { get; init; }
    [JsonPropertyName("latency_ms")] public double LatencyMs { get; init; }
    [JsonPropertyName("ttft_ms")] public double? TimeToFirstTokenMs { get; init; }
    [JsonPropertyName("request_bytes")] public long RequestBytes { get; init; }
    [JsonPropertyName("response_bytes")] public long ResponseBytes { get; init; }
}

public static class ServingModes
{
    public const string Api = "api";
    public const string SelfHosted = "self_hosted";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { Api, SelfHosted };
}

public static class RequestStatuses
{
    public const string Ok = "ok";
    public const string Error = "error";
    public const string Timeout = "timeout";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { Ok, Error, Timeout };
}

public static class TrafficClasses
{
    public static readonly IReadOnlySet<string> All =
        new HashSet<string> { "interactive", "batch", "internal", "eval", "safety", "background" };
}
