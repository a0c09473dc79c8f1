using TrueCost.Contracts.Validation;
using static TrueCost.Contracts.Validation.FieldRules;

namespace TrueCost.Contracts.RequestLogs;

/// <summary>Parses and validates request-log records; every rejection names the field and value.</summary>
public sealed class RequestLogParser(TimeProvider clock) : IRecordParser<RequestLogRecord>
{
    /// <summary>No single LLM call plausibly uses more tokens than this (10M).</summary>
    public const long MaxTokensPerRequest = 10_000_000;

    public ParseResult<RequestLogRecord> Parse(ReadOnlySpan<byte> utf8Json)
    {
        var parsed = WireJson.Deserialize<RequestLogRecord>(utf8Json);
        if (!parsed.IsValid)
        {
            return parsed;
        }

        var error = Check(parsed.Record!, clock.GetUtcNow());
        return error is null ? parsed : ParseResult<RequestLogRecord>.Reject($"request {Clip(parsed.Record!.RequestId)}: {error}");
    }

    /// <summary>
    /// The native rules applied to a record built by another source (an OTLP span, a gateway's log line):
    /// the reason the record would be refused, or null when it is acceptable. The reason names the field
    /// and the value but not the record; the caller prefixes what identifies it.
    /// </summary>
    public static string? Check(RequestLogRecord r, DateTimeOffset now)
    {
        if (r.SchemaVersion != 1)
        {
            return $"schema_version {r.SchemaVersion} is not supported by this topic (expected 1)";
        }

        return Required("request_id", r.RequestId)
            ?? Required("route", r.Route)
            ?? Required("tenant", r.Tenant)
            ?? (string.IsNullOrWhiteSpace(r.Provider) ? "gen_ai.provider.name (or the older gen_ai.system) is required" : null)
            ?? Required("gen_ai.request.model", r.Model)
            ?? (r.ResponseModel is null ? null : Required("gen_ai.response.model", r.ResponseModel))
            ?? TimestampRules.Check("timestamp", r.Timestamp, now)
            ?? Tokens("gen_ai.usage.input_tokens", r.InputTokens)
            ?? Tokens("gen_ai.usage.output_tokens", r.OutputTokens)
            ?? OneCount("gen_ai.usage.cache_read.input_tokens", r.CacheReadInputTokens, "gen_ai.usage.cache_read_input_tokens", r.CacheReadInputTokensUnderscored)
            ?? OneCount("gen_ai.usage.cache_read.input_tokens", r.CacheReadInputTokens ?? r.CacheReadInputTokensUnderscored, "gen_ai.usage.cached_input_tokens", r.CachedInputTokensOlder)
            ?? OneCount("gen_ai.usage.cache_creation.input_tokens", r.CacheCreationInputTokens, "gen_ai.usage.cache_creation_input_tokens", r.CacheCreationInputTokensUnderscored)
            ?? OneCount("gen_ai.usage.reasoning.output_tokens", r.ReasoningOutputTokens, "gen_ai.usage.reasoning_tokens", r.ReasoningTokensUnderscored)
            ?? Tokens("gen_ai.usage.cache_read.input_tokens", r.CacheReadTokens)
            ?? Tokens("gen_ai.usage.cache_creation.input_tokens", r.CacheCreationTokens)
            ?? Tokens("gen_ai.usage.reasoning.output_tokens", r.ReasoningTokens)
            ?? Tokens("input tokens with cache tokens", r.InputTokensWithCache)
            ?? (r.ReasoningTokens > r.OutputTokens
                ? $"gen_ai.usage.reasoning.output_tokens {r.ReasoningTokens} exceeds gen_ai.usage.output_tokens {r.OutputTokens} (reasoning tokens are part of the output)"
                : null)
            ?? OneOf("serving_mode", r.ServingMode, ServingModes.All)
            ?? ServingPool(r)
            ?? OneOf("traffic_class", r.TrafficClass, TrafficClasses.All)
            ?? OneOf("status", r.Status, RequestStatuses.All)
            ?? (r.Attempt is < 1 or > 100 ? $"attempt {r.Attempt} is outside 1..100" : null)
            ?? (r.Attempt > 1 && string.IsNullOrWhiteSpace(r.RetryOf) ? $"attempt {r.Attempt} has no retry_of" : null)
            ?? NonNegative("latency_ms", r.LatencyMs)
            ?? (r.TimeToFirstTokenMs is { } ttft ? NonNegative("ttft_ms", ttft) : null)
            ?? (r.RequestBytes < 0 ? $"request_bytes {r.RequestBytes} is negative" : null)
            ?? (r.ResponseBytes < 0 ? $"response_bytes {r.ResponseBytes} is negative" : null)
            ?? (r.ReportedCost is < 0 ? $"reported_cost_usd {Show(r.ReportedCost.Value)} is negative" : null);
    }

    private static string? ServingPool(RequestLogRecord r) => r.ServingMode switch
    {
        ServingModes.SelfHosted when string.IsNullOrWhiteSpace(r.GpuPool) => "serving_mode self_hosted requires gpu_pool",
        ServingModes.Api when !string.IsNullOrEmpty(r.GpuPool) => $"serving_mode api must not name gpu_pool ({Clip(r.GpuPool)})",
        _ => null,
    };

    /// <summary>One count sent under two spellings is counted once; two different values cannot both be right.</summary>
    private static string? OneCount(string field, long? value, string otherField, long? other) =>
        value is { } a && other is { } b && a != b ? $"{field} {a} and {otherField} {b} disagree; send the count once" : null;

    private static string? Tokens(string field, long value) =>
        value < 0 ? $"{field} {value} is negative"
        : value > MaxTokensPerRequest ? $"{field} {value} is over the plausible maximum {MaxTokensPerRequest}"
        : null;
}
