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
    [JsonPropertyName("gen_ai.provider.name")] [JsonConverter(typeof(RepeatedTextConverter))] public string? ProviderName { get; init; }

    /// <summary>The provider attribute of the older GenAI conventions, read when <c>gen_ai.provider.name</c> is absent.</summary>
    [JsonPropertyName("gen_ai.system")] [JsonConverter(typeof(RepeatedTextConverter))] public string? System { get; init; }
    [JsonPropertyName("gen_ai.request.model")] [JsonConverter(typeof(RepeatedTextConverter))] public required string Model { get; init; }

    /// <summary>The model the provider says served the call (often a dated id: gpt-4o-mini → gpt-4o-mini-2024-07-18).</summary>
    [JsonPropertyName("gen_ai.response.model")] [JsonConverter(typeof(RepeatedTextConverter))] public string? ResponseModel { get; init; }

    /// <summary>Prompt tokens, including the cache-read and cache-creation tokens (OpenTelemetry GenAI).</summary>
    [JsonPropertyName("gen_ai.usage.input_tokens")] public required long InputTokens { get; init; }

    /// <summary>Completion tokens, including reasoning tokens.</summary>
    [JsonPropertyName("gen_ai.usage.output_tokens")] public required long OutputTokens { get; init; }
    [JsonPropertyName("gen_ai.usage.cache_read.input_tokens")] public long? CacheReadInputTokens { get; init; }
    [JsonPropertyName("gen_ai.usage.cache_read_input_tokens")] public long? CacheReadInputTokensUnderscored { get; init; }
    [JsonPropertyName("gen_ai.usage.cached_input_tokens")] public long? CachedInputTokensOlder { get; init; }
    [JsonPropertyName("gen_ai.usage.cache_creation.input_tokens")] public long? CacheCreationInputTokens { get; init; }
    [JsonPropertyName("gen_ai.usage.cache_creation_input_tokens")] public long? CacheCreationInputTokensUnderscored { get; init; }
    [JsonPropertyName("gen_ai.usage.reasoning.output_tokens")] public long? ReasoningOutputTokens { get; init; }
    [JsonPropertyName("gen_ai.usage.reasoning_tokens")] public long? ReasoningTokensUnderscored { get; init; }
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

    /// <summary>
    /// The cost the producer itself computed for the call, in USD (LiteLLM's <c>response_cost</c>). Kept beside
    /// TrueCost's own price for comparison; never used as TrueCost's cost. Null when the producer reported none.
    /// </summary>
    [JsonPropertyName("reported_cost_usd")] public decimal? ReportedCost { get; init; }

    /// <summary>The provider as sent: <c>gen_ai.provider.name</c>, else <c>gen_ai.system</c>.</summary>
    [JsonIgnore] public string Provider => ProviderName ?? System ?? string.Empty;

    /// <summary>Cache-read tokens under whichever spelling the producer used (the parser refuses two spellings that disagree).</summary>
    [JsonIgnore] public long CacheReadTokens => CacheReadInputTokens ?? CacheReadInputTokensUnderscored ?? CachedInputTokensOlder ?? 0;

    [JsonIgnore] public long CacheCreationTokens => CacheCreationInputTokens ?? CacheCreationInputTokensUnderscored ?? 0;

    [JsonIgnore] public long ReasoningTokens => ReasoningOutputTokens ?? ReasoningTokensUnderscored ?? 0;

    /// <summary>
    /// Input tokens with the cache tokens included, as the OpenTelemetry conventions count them. Anthropic's
    /// API reports input without the cache tokens; a record whose cache tokens exceed its input can only be
    /// counted that way, so its cache tokens are added (a count that already includes them is kept).
    /// </summary>
    [JsonIgnore] public long InputTokensWithCache =>
        CacheReadTokens + CacheCreationTokens > InputTokens ? InputTokens + CacheReadTokens + CacheCreationTokens : InputTokens;
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
