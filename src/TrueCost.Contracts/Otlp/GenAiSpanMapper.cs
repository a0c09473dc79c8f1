using System.Globalization;
using TrueCost.Contracts.RequestLogs;
using static TrueCost.Contracts.Validation.FieldRules;

namespace TrueCost.Contracts.Otlp;

/// <summary>
/// Turns one OpenTelemetry GenAI span into a request-log record that passes the native rules
/// (<see cref="RequestLogParser.Check"/>), a refusal naming what is wrong, or "not a GenAI span". The
/// record's request_id is <c>{trace id}:{span id}</c> in lower-case hex, so a span resent by a retrying
/// exporter, whatever the case of its ids, has the id it had the first time. Provider and model values are
/// kept as sent; aliases are resolved by the ledger. See README.md beside this file for the attributes read.
/// </summary>
public sealed class GenAiSpanMapper
{
    private const int Input = 0;
    private const int Output = 1;
    private const int CacheRead = 2;
    private const int CacheCreation = 3;
    private const int Reasoning = 4;

    /// <summary>Doubles above 2^53 are no longer whole numbers one by one, so a token count there is not trusted.</summary>
    private const double MaxWholeDouble = 9_007_199_254_740_992d;

    /// <summary>Each token class under every spelling instrumentations write, OpenTelemetry's first.</summary>
    private static readonly string[][] TokenSpellings =
    [
        ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"],
        ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"],
        [
            "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
            "gen_ai.usage.cached_input_tokens", "gen_ai.usage.prompt_tokens_details.cached_tokens",
        ],
        [
            "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens",
            "gen_ai.usage.prompt_tokens_details.cache_creation_tokens",
        ],
        [
            "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens",
            "gen_ai.usage.completion_tokens_details.reasoning_tokens",
        ],
    ];

    /// <summary>error.type values are exception or status names: APITimeoutError, ReadTimeout, DEADLINE_EXCEEDED.</summary>
    private static readonly string[] TimeoutWords = ["timeout", "timedout", "deadline_exceeded", "deadlineexceeded"];

    private readonly GenAiSpanMapping mapping;
    private readonly TimeProvider clock;
    private readonly IReadOnlyList<string> route;
    private readonly IReadOnlyList<string> tenant;
    private readonly IReadOnlyList<string> trafficClass;
    private readonly IReadOnlyList<string> gpuPool;
    private readonly HashSet<string> selfHostedProviders;
    private readonly HashSet<string> skippedOperations;

    public GenAiSpanMapper(GenAiSpanMapping mapping, TimeProvider clock)
    {
        mapping.Validate();
        this.mapping = mapping;
        this.clock = clock;
        route = GenAiSpanMapping.Split(mapping.Route);
        tenant = GenAiSpanMapping.Split(mapping.Tenant);
        trafficClass = GenAiSpanMapping.Split(mapping.TrafficClass);
        gpuPool = GenAiSpanMapping.Split(mapping.GpuPool);
        selfHostedProviders = new HashSet<string>(GenAiSpanMapping.Split(mapping.SelfHostedProviders), StringComparer.OrdinalIgnoreCase);
        skippedOperations = new HashSet<string>(GenAiSpanMapping.Split(mapping.SkippedOperations), StringComparer.Ordinal);
    }

    public SpanMapping Map(OtlpSpan span)
    {
        var call = new ModelCall(
            Text(span.Attributes, "gen_ai.provider.name"),
            Text(span.Attributes, "gen_ai.system"),
            Text(span.Attributes, "gen_ai.request.model"),
            Text(span.Attributes, "gen_ai.response.model"));
        if (call is { ProviderName: null, System: null, RequestModel: null, ResponseModel: null })
        {
            return SpanMapping.NotGenAi("no gen_ai.provider.name, gen_ai.system, gen_ai.request.model or gen_ai.response.model");
        }

        if (Text(span.Attributes, "gen_ai.operation.name") is { } operation && skippedOperations.Contains(operation))
        {
            return SpanMapping.NotGenAi($"gen_ai.operation.name {Quote(operation)} is not a model call");
        }

        var traceId = span.TraceId.ToLowerInvariant();
        var spanId = span.SpanId.ToLowerInvariant();
        if (!IsId(traceId, 32) || !IsId(spanId, 16))
        {
            return SpanMapping.Refused(
                $"span {Quote(span.TraceId)}/{Quote(span.SpanId)}: the trace id must be 32 and the span id 16 hex digits, not all zero");
        }

        var (record, reason) = Build(span, $"{traceId}:{spanId}", call);
        reason ??= RequestLogParser.Check(record!, clock.GetUtcNow());
        return reason is null ? SpanMapping.Mapped(record!) : SpanMapping.Refused($"span {traceId}/{spanId}: {reason}");
    }

    private (RequestLogRecord? Record, string? Reason) Build(OtlpSpan span, string requestId, ModelCall call)
    {
        if (call.RequestModel is null && call.ResponseModel is null)
        {
            return (null, "no model: neither gen_ai.request.model nor gen_ai.response.model on the span");
        }

        if (span.EndTimeUnixNano < span.StartTimeUnixNano)
        {
            return (null, $"it ends at {span.End:O}, before it starts at {span.Start:O}");
        }

        var routeValue = First(span, route) ?? (mapping.RouteRequired ? null : mapping.DefaultRoute);
        var tenantValue = First(span, tenant) ?? (mapping.TenantRequired ? null : mapping.DefaultTenant);
        if (routeValue is null || tenantValue is null)
        {
            return (null, routeValue is null ? Missing("route", route) : Missing("tenant", tenant));
        }

        var counts = new long?[TokenSpellings.Length];
        var usageError = Usage(span, counts);
        if (usageError is not null)
        {
            return (null, usageError);
        }

        var errorType = Text(span.Attributes, "error.type");
        var failed = span.StatusCode == OtlpSpan.StatusError || errorType is not null;
        if (!failed && counts[Input] is null && counts[Output] is null)
        {
            return (null, "no gen_ai.usage.* tokens on an ok span or its events; only a failed call may be counted without usage");
        }

        var pool = First(span, gpuPool);
        var provider = call.ProviderName ?? call.System;
        if (pool is null && provider is not null && selfHostedProviders.Contains(provider))
        {
            pool = mapping.DefaultGpuPool;
            if (pool is null)
            {
                return (null, $"provider {Quote(provider)} is self-hosted but {Missing("gpu pool", gpuPool)}; set {GenAiSpanMapping.Section}:{nameof(GenAiSpanMapping.DefaultGpuPool)} or send the attribute");
            }
        }

        return (new RequestLogRecord
        {
            RequestId = requestId,
            Timestamp = span.Start,
            Route = routeValue,
            Tenant = tenantValue,
            ProviderName = call.ProviderName,
            System = call.System,
            Model = call.RequestModel ?? call.ResponseModel!,
            ResponseModel = call.ResponseModel,
            InputTokens = counts[Input] ?? 0,
            OutputTokens = counts[Output] ?? 0,
            CacheReadInputTokens = counts[CacheRead],
            CacheCreationInputTokens = counts[CacheCreation],
            ReasoningOutputTokens = counts[Reasoning],
            ServingMode = pool is null ? ServingModes.Api : ServingModes.SelfHosted,
            GpuPool = pool,
            TrafficClass = First(span, trafficClass) ?? mapping.DefaultTrafficClass,
            Status = errorType is not null && TimeoutWords.Any(w => errorType.Contains(w, StringComparison.OrdinalIgnoreCase))
                ? RequestStatuses.Timeout
                : failed ? RequestStatuses.Error : RequestStatuses.Ok,
            LatencyMs = (span.End - span.Start).TotalMilliseconds,
        }, null);
    }

    /// <summary>
    /// The usage of the call, counted once: a class on the span's attributes wins; a class the span lacks is
    /// taken from its events (some instrumentations repeat usage on one); two places that disagree are refused.
    /// </summary>
    private static string? Usage(OtlpSpan span, long?[] counts)
    {
        var origin = new string?[counts.Length];
        var error = Read(span.Attributes, "on the span", counts, origin);
        foreach (var e in span.Events)
        {
            error ??= Read(e.Attributes, $"on event {Quote(e.Name)}", counts, origin);
        }

        return error;
    }

    /// <summary>Adds one attribute set's counts; a spelling or place that gives a class a different count is refused.</summary>
    private static string? Read(IReadOnlyDictionary<string, object?> attributes, string where, long?[] counts, string?[] origin)
    {
        for (var c = 0; c < TokenSpellings.Length; c++)
        {
            foreach (var name in TokenSpellings[c])
            {
                if (!attributes.TryGetValue(name, out var raw) || raw is null)
                {
                    continue;
                }

                if (Whole(raw) is not { } n)
                {
                    return $"{name} {Shown(raw)} {where} is not a whole number of tokens";
                }

                if (counts[c] is { } seen && seen != n)
                {
                    return $"{origin[c]} and {name} {n} {where} disagree; send the count once";
                }

                counts[c] = n;
                origin[c] ??= $"{name} {n} {where}";
            }
        }

        return null;
    }

    private static long? Whole(object raw) => raw switch
    {
        long n => n,
        int n => n,
        double d when double.IsFinite(d) && Math.Floor(d) == d && Math.Abs(d) <= MaxWholeDouble => (long)d,
        string s when long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    private static string Shown(object raw) => raw switch
    {
        string s => Quote(s),
        double d => Show(d),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => $"({raw.GetType().Name})",
    };

    /// <summary>The first non-blank value of the names on the span, then of the names on its resource.</summary>
    private static string? First(OtlpSpan span, IReadOnlyList<string> names) =>
        names.Select(n => Text(span.Attributes, n)).FirstOrDefault(v => v is not null)
        ?? names.Select(n => Text(span.Resource, n)).FirstOrDefault(v => v is not null && !IsUnknownService(v));

    /// <summary>SDKs fill an unset service.name with unknown_service[:process], which names no route.</summary>
    private static bool IsUnknownService(string value) => value.StartsWith("unknown_service", StringComparison.Ordinal);

    private static string? Text(IReadOnlyDictionary<string, object?> attributes, string name) =>
        attributes.TryGetValue(name, out var raw)
            ? raw switch
            {
                string s when !string.IsNullOrWhiteSpace(s) => s,
                long n => n.ToString(CultureInfo.InvariantCulture),
                _ => null,
            }
            : null;

    private static string Missing(string field, IReadOnlyList<string> names) =>
        $"no {field}: none of {string.Join(", ", names)} on the span or its resource";

    private static bool IsId(string hex, int length) =>
        hex.Length == length && hex.All(char.IsAsciiHexDigitLower) && hex.Any(c => c != '0');

    private sealed record ModelCall(string? ProviderName, string? System, string? RequestModel, string? ResponseModel);
}
