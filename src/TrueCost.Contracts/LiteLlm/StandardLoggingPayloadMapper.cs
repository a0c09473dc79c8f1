using System.Globalization;
using System.Text.Json;
using TrueCost.Contracts.Otlp;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;
using static TrueCost.Contracts.Validation.FieldRules;

namespace TrueCost.Contracts.LiteLlm;

/// <summary>
/// Turns one LiteLLM standard logging payload (what its proxy hands every logging callback per call, the
/// <c>StandardLoggingPayload</c> of <c>litellm/types/utils.py</c>) into a request-log record that passes the
/// native rules (<see cref="RequestLogParser.Check"/>), or a refusal naming what is wrong. The record's
/// request_id is the payload's <c>id</c>. Its <c>response_cost</c> is kept as <see cref="RequestLogRecord.ReportedCost"/>
/// (USD) beside the price TrueCost computes; it is never used instead of that price. Provider and model values are
/// kept as sent, except a model's route prefix naming its own provider (<c>azure/gpt-4o</c> → <c>gpt-4o</c>), which
/// the price catalogue drops from its keys the same way; aliases are resolved by the ledger.
/// </summary>
public sealed class StandardLoggingPayloadMapper
{
    /// <summary>Payloads carry the messages and the response; a proxy's Kafka messages are at most 1 MiB by default.</summary>
    public const int MaxPayloadBytes = 1024 * 1024;

    /// <summary>Doubles above 2^53 are no longer whole numbers one by one, so a token count there is not trusted.</summary>
    private const double MaxWholeDouble = 9_007_199_254_740_992d;

    /// <summary>error_information.error_class is LiteLLM's exception name: Timeout, APITimeoutError, ReadTimeout.</summary>
    private static readonly string[] TimeoutWords = ["timeout", "timedout", "deadline_exceeded", "deadlineexceeded"];

    private readonly LiteLlmOptions _options;
    private readonly TimeProvider _clock;
    private readonly IReadOnlyList<string[]> _route;
    private readonly IReadOnlyList<string[]> _tenant;
    private readonly IReadOnlyList<string[]> _trafficClass;
    private readonly IReadOnlyList<string[]> _gpuPool;
    private readonly HashSet<string> _selfHostedProviders;

    public StandardLoggingPayloadMapper(LiteLlmOptions options, TimeProvider clock)
    {
        options.Validate();
        _options = options;
        _clock = clock;
        _route = LiteLlmOptions.SplitPaths(options.Route);
        _tenant = LiteLlmOptions.SplitPaths(options.Tenant);
        _trafficClass = LiteLlmOptions.SplitPaths(options.TrafficClass);
        _gpuPool = LiteLlmOptions.SplitPaths(options.GpuPool);
        _selfHostedProviders = new HashSet<string>(GenAiSpanMapping.Split(options.SelfHostedProviders), StringComparer.OrdinalIgnoreCase);
    }

    public ParseResult<RequestLogRecord> Map(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length == 0)
        {
            return ParseResult<RequestLogRecord>.Reject("empty LiteLLM payload");
        }

        if (utf8Json.Length > MaxPayloadBytes)
        {
            return ParseResult<RequestLogRecord>.Reject($"LiteLLM payload is {utf8Json.Length} bytes, over the {MaxPayloadBytes}-byte limit");
        }

        JsonDocument document;
        try
        {
            // The reader refuses anything after the one value, so a message holding two payloads is not half read.
            var reader = new Utf8JsonReader(utf8Json);
            document = JsonDocument.ParseValue(ref reader);
            reader.Read();
        }
        catch (JsonException e)
        {
            return ParseResult<RequestLogRecord>.Reject($"LiteLLM payload is not JSON: {Clip(e.Message)}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ParseResult<RequestLogRecord>.Reject($"LiteLLM payload is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
            }

            if (Text(root, "id") is not { } id)
            {
                return ParseResult<RequestLogRecord>.Reject(
                    Text(root, "request_id") is { } requestId && root.TryGetProperty("spend", out _)
                        ? $"LiteLLM SpendLogs row {Quote(requestId)} (request_id, spend) is not a standard logging payload; send what a logging callback receives (id, response_cost, …)"
                        : "LiteLLM payload has no id");
            }

            var (record, reason) = Build(root, id);
            reason ??= RequestLogParser.Check(record!, _clock.GetUtcNow());
            return reason is null ? ParseResult<RequestLogRecord>.Ok(record!) : ParseResult<RequestLogRecord>.Reject($"LiteLLM payload {Quote(id)}: {reason}");
        }
    }

    private (RequestLogRecord? Record, string? Reason) Build(JsonElement root, string id)
    {
        var (start, startError) = Time(root, "startTime");
        var (end, endError) = Time(root, "endTime");
        var (firstToken, firstTokenError) = Time(root, "completionStartTime");
        if ((startError ?? endError ?? firstTokenError) is { } timeError)
        {
            return (null, timeError);
        }

        if (start is not { } startedAt)
        {
            return (null, "no startTime");
        }

        var endedAt = end ?? startedAt;
        if (endedAt < startedAt)
        {
            return (null, $"endTime {endedAt:O} is before startTime {startedAt:O}");
        }

        var provider = Text(root, "custom_llm_provider") ?? Text(root, "error_information", "llm_provider");
        if (provider is null)
        {
            return (null, "no custom_llm_provider (nor error_information.llm_provider)");
        }

        var model = Text(root, "model") ?? Text(root, "hidden_params", "litellm_model_name");
        if (model is null)
        {
            return (null, "no model (nor hidden_params.litellm_model_name)");
        }

        var routeValue = First(root, _route) ?? (_options.RouteRequired ? null : _options.DefaultRoute);
        var tenantValue = First(root, _tenant) ?? (_options.TenantRequired ? null : _options.DefaultTenant);
        if (routeValue is null || tenantValue is null)
        {
            return (null, routeValue is null ? Missing("route", nameof(LiteLlmOptions.Route), _options.Route) : Missing("tenant", nameof(LiteLlmOptions.Tenant), _options.Tenant));
        }

        var (failed, timedOut, statusError) = Status(root);
        if (statusError is not null)
        {
            return (null, statusError);
        }

        var (usage, usageError) = Usage(root);
        if (usageError is not null)
        {
            return (null, usageError);
        }

        if (!failed && usage.Prompt is null && usage.Completion is null)
        {
            return (null, "no prompt_tokens or completion_tokens on a successful call; only a failed call may be counted without usage");
        }

        var (reported, costError) = ReportedCost(root);
        if (costError is not null)
        {
            return (null, costError);
        }

        var pool = First(root, _gpuPool);
        if (pool is null && _selfHostedProviders.Contains(provider))
        {
            pool = _options.DefaultGpuPool;
            if (pool is null)
            {
                return (null, $"custom_llm_provider {Quote(provider)} is self-hosted but {Missing("gpu pool", nameof(LiteLlmOptions.GpuPool), _options.GpuPool)}; set {LiteLlmOptions.Section}:{nameof(LiteLlmOptions.DefaultGpuPool)} or send one");
            }
        }

        // LiteLLM's own response cache answered the call: no provider was called and none billed its tokens, so the
        // request is counted with no tokens (its response_cost, zero for a cache hit, is still kept).
        var servedFromCache = root.TryGetProperty("cache_hit", out var cacheHit) && cacheHit.ValueKind == JsonValueKind.True;
        var streamed = root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True;
        var requestModel = WithoutRoute(model, provider);
        return (new RequestLogRecord
        {
            RequestId = id,
            Timestamp = startedAt,
            Route = routeValue,
            Tenant = tenantValue,
            ProviderName = provider,
            Model = requestModel,
            ResponseModel = ResponseModel(root, provider),
            InputTokens = servedFromCache ? 0 : usage.Prompt ?? 0,
            OutputTokens = servedFromCache ? 0 : usage.Completion ?? 0,
            CacheReadInputTokens = servedFromCache ? null : usage.CacheRead,
            CacheCreationInputTokens = servedFromCache ? null : usage.CacheCreation,
            ReasoningOutputTokens = servedFromCache ? null : usage.Reasoning,
            ServingMode = pool is null ? ServingModes.Api : ServingModes.SelfHosted,
            GpuPool = pool,
            TrafficClass = First(root, _trafficClass) ?? _options.DefaultTrafficClass,
            Status = timedOut ? RequestStatuses.Timeout : failed ? RequestStatuses.Error : RequestStatuses.Ok,
            LatencyMs = (endedAt - startedAt).TotalMilliseconds,

            // completionStartTime is the end of a call that did not stream; only a stream has a first token of its own.
            TimeToFirstTokenMs = streamed && firstToken is { } first && first >= startedAt ? (first - startedAt).TotalMilliseconds : null,
            ReportedCost = reported,
        }, null);
    }

    /// <summary>
    /// The model the provider says served the call (<c>response.model</c>). A proxy may answer with the model group
    /// its client asked for instead; that names no provider model, so it is not taken as one.
    /// </summary>
    private static string? ResponseModel(JsonElement root, string provider)
    {
        if (Text(root, "response", "model") is not { } responseModel)
        {
            return null;
        }

        var group = Text(root, "model_group");
        return group is not null && responseModel == group && group != Text(root, "model") ? null : WithoutRoute(responseModel, provider);
    }

    /// <summary>"success" or "failure"; payloads of LiteLLM versions before the field say a failure by an error_str.</summary>
    private static (bool Failed, bool TimedOut, string? Error) Status(JsonElement root)
    {
        var status = Text(root, "status");
        var failed = status switch
        {
            "success" => false,
            "failure" => true,
            null => Text(root, "error_str") is not null,
            _ => (bool?)null,
        };
        if (failed is null)
        {
            return (false, false, $"status {Quote(status)} is neither \"success\" nor \"failure\"");
        }

        var errorClass = Text(root, "error_information", "error_class");
        var timedOut = failed.Value && errorClass is not null && TimeoutWords.Any(w => errorClass.Contains(w, StringComparison.OrdinalIgnoreCase));
        return (failed.Value, timedOut, null);
    }

    /// <summary>
    /// Token counts, OpenAI's way as LiteLLM reports them: prompt_tokens includes cached tokens; cache reads are
    /// <c>prompt_tokens_details.cached_tokens</c> (Anthropic's <c>cache_read_input_tokens</c> where LiteLLM copied it),
    /// cache writes <c>cache_creation_input_tokens</c>, reasoning <c>completion_tokens_details.reasoning_tokens</c>.
    /// The usage object is the response's, else the one LiteLLM keeps in metadata or hidden_params.
    /// </summary>
    private static (TokenUsage Usage, string? Error) Usage(JsonElement root)
    {
        var usage = Object(root, "response", "usage") ?? Object(root, "metadata", "usage_object") ?? Object(root, "hidden_params", "usage_object");
        string? error = null;
        long? Count(JsonElement? where, string label, params string[] path)
        {
            if (error is not null || where is not { } element || Find(element, path) is not { } value || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (Whole(value) is { } n and >= 0)
            {
                return n;
            }

            error = $"{label} {Clip(value.GetRawText())} is not a whole, non-negative number of tokens";
            return null;
        }

        var result = new TokenUsage(
            Count(root, "prompt_tokens", "prompt_tokens") ?? Count(usage, "response.usage.prompt_tokens", "prompt_tokens"),
            Count(root, "completion_tokens", "completion_tokens") ?? Count(usage, "response.usage.completion_tokens", "completion_tokens"),
            Count(usage, "usage.prompt_tokens_details.cached_tokens", "prompt_tokens_details", "cached_tokens")
                ?? Count(usage, "usage.cache_read_input_tokens", "cache_read_input_tokens"),
            Count(usage, "usage.cache_creation_input_tokens", "cache_creation_input_tokens")
                ?? Count(usage, "usage.prompt_tokens_details.cache_creation_tokens", "prompt_tokens_details", "cache_creation_tokens"),
            Count(usage, "usage.completion_tokens_details.reasoning_tokens", "completion_tokens_details", "reasoning_tokens"));
        return (result, error);
    }

    /// <summary>response_cost (USD, a JSON number), else hidden_params.response_cost (a number or its text); null when neither.</summary>
    private static (decimal? Cost, string? Error) ReportedCost(JsonElement root)
    {
        foreach (var path in new[] { new[] { "response_cost" }, ["hidden_params", "response_cost"] })
        {
            if (Find(root, path) is not { } value || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var ok = value.ValueKind switch
            {
                JsonValueKind.Number => value.TryGetDecimal(out var n) ? n : (decimal?)null,
                JsonValueKind.String when decimal.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) => n,
                _ => null,
            };
            return ok is { } cost ? (cost, null) : (null, $"{string.Join('.', path)} {Clip(value.GetRawText())} is not an amount of USD");
        }

        return (null, null);
    }

    /// <summary>Epoch seconds as LiteLLM writes them (a float), or a timestamp text that names its offset.</summary>
    private static (DateTimeOffset? Time, string? Error) Time(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && double.IsFinite(seconds)
            && seconds >= 0 && seconds < 253_402_300_800d)
        {
            return (DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond)), null);
        }

        if (value.ValueKind == JsonValueKind.String
            && DateTime.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
        {
            return parsed.Kind == DateTimeKind.Unspecified
                ? (null, $"{name} {Quote(value.GetString())} has no UTC offset; send epoch seconds, as LiteLLM does, or an offset")
                : (new DateTimeOffset(parsed.ToUniversalTime(), TimeSpan.Zero), null);
        }

        return (null, $"{name} {Clip(value.GetRawText())} is neither epoch seconds nor a timestamp");
    }

    /// <summary>The first non-blank value of the configured paths.</summary>
    private static string? First(JsonElement root, IReadOnlyList<string[]> paths) =>
        paths.Select(p => Text(root, p)).FirstOrDefault(v => v is not null);

    /// <summary>A model id without a leading route that names its own provider, as the price catalogue keys drop it.</summary>
    private static string WithoutRoute(string model, string provider)
    {
        var slash = model.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == model.Length - 1)
        {
            return model;
        }

        var route = model[..slash];
        var own = string.Equals(provider, route, StringComparison.OrdinalIgnoreCase)
            || provider.StartsWith(route + "-", StringComparison.OrdinalIgnoreCase)
            || provider.StartsWith(route + "_", StringComparison.OrdinalIgnoreCase);
        return own ? model[(slash + 1)..] : model;
    }

    private static string? Text(JsonElement root, params string[] path) =>
        Find(root, path) switch
        {
            { ValueKind: JsonValueKind.String } s when !string.IsNullOrWhiteSpace(s.GetString()) => s.GetString(),
            { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var whole) => whole.ToString(CultureInfo.InvariantCulture),
            _ => null,
        };

    private static JsonElement? Object(JsonElement root, params string[] path) =>
        Find(root, path) is { ValueKind: JsonValueKind.Object } found ? found : null;

    private static JsonElement? Find(JsonElement element, string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element;
    }

    private static long? Whole(JsonElement value) =>
        value.ValueKind != JsonValueKind.Number ? null
        : value.TryGetInt64(out var n) ? n
        : value.TryGetDouble(out var d) && double.IsFinite(d) && Math.Floor(d) == d && Math.Abs(d) <= MaxWholeDouble ? (long)d
        : null;

    private static string Missing(string field, string key, string paths) =>
        $"no {field}: none of {paths} in the payload ({LiteLlmOptions.Section}:{key})";

    private readonly record struct TokenUsage(long? Prompt, long? Completion, long? CacheRead, long? CacheCreation, long? Reasoning);
}
