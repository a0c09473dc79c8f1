using TrueCost.Contracts.Otlp;
using TrueCost.Contracts.RequestLogs;

namespace TrueCost.Contracts.LiteLlm;

/// <summary>
/// Configuration section <see cref="Section"/>: the topic LiteLLM's standard logging payloads arrive on, and
/// which payload fields give a request-log record the fields LiteLLM has no name for (route, tenant, traffic
/// class, GPU pool). Each list is an ordered, comma-separated string of dotted paths into the payload
/// (<c>metadata.user_api_key_team_alias</c>, <c>metadata.requester_metadata.tenant</c>), as in
/// <see cref="GenAiSpanMapping"/>: a string replaces the default whole; the first non-blank value wins.
/// </summary>
public sealed class LiteLlmOptions
{
    public const string Section = "Ingest:LiteLlm";

    /// <summary>Consume the topic at all (a missing topic is only waited for).</summary>
    public bool Enabled { get; set; } = true;

    public string Topic { get; set; } = "litellm_spend_logs";

    /// <summary>
    /// The caller's route: the virtual key's alias names the application that holds the key; the model group
    /// (the model name the proxy's clients ask for) is the fallback, so each public model is a route of its own.
    /// </summary>
    public string Route { get; set; } = "metadata.user_api_key_alias,model_group";

    /// <summary>The tenant billed for the call: the team of the virtual key, by alias, else by id.</summary>
    public string Tenant { get; set; } = "metadata.user_api_key_team_alias,metadata.user_api_key_team_id";

    /// <summary>
    /// LiteLLM has no traffic class; a client can send one in the request's <c>metadata.spend_logs_metadata</c>
    /// (kept by the proxy) or in its <c>requester_metadata</c>.
    /// </summary>
    public string TrafficClass { get; set; } = "metadata.spend_logs_metadata.traffic_class,metadata.requester_metadata.traffic_class";

    /// <summary>The traffic class of a payload that names none; one of <see cref="TrafficClasses.All"/>.</summary>
    public string DefaultTrafficClass { get; set; } = "interactive";

    /// <summary>A payload naming a GPU pool was served self-hosted, by that pool.</summary>
    public string GpuPool { get; set; } = "metadata.spend_logs_metadata.gpu_pool,metadata.requester_metadata.gpu_pool";

    /// <summary>
    /// <c>custom_llm_provider</c> values (compared ignoring case) that are always self-hosted. A payload of one of
    /// these that names no pool gets <see cref="DefaultGpuPool"/>, or is refused.
    /// </summary>
    public string SelfHostedProviders { get; set; } = "hosted_vllm,vllm,ollama,ollama_chat,lm_studio,llamafile";

    public string? DefaultGpuPool { get; set; }

    /// <summary>A payload with no route is refused; when false it is mapped to <see cref="DefaultRoute"/>.</summary>
    public bool RouteRequired { get; set; } = true;

    public string DefaultRoute { get; set; } = "unattributed";

    /// <summary>A payload with no tenant is refused; when false it is mapped to <see cref="DefaultTenant"/>.</summary>
    public bool TenantRequired { get; set; } = true;

    public string DefaultTenant { get; set; } = "unattributed";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Topic) || Topic.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')))
        {
            throw new InvalidOperationException($"{Section}:{nameof(Topic)} '{Topic}' is not a Kafka topic name (letters, digits, '.', '_', '-')");
        }

        Paths(nameof(Route), Route, required: RouteRequired);
        Paths(nameof(Tenant), Tenant, required: TenantRequired);
        Paths(nameof(TrafficClass), TrafficClass, required: false);
        Paths(nameof(GpuPool), GpuPool, required: false);
        if (GenAiSpanMapping.Split(SelfHostedProviders).Any(p => p.Length == 0))
        {
            throw new InvalidOperationException($"{Section}:{nameof(SelfHostedProviders)} '{SelfHostedProviders}' has an empty name");
        }

        if (!TrafficClasses.All.Contains(DefaultTrafficClass))
        {
            throw new InvalidOperationException(
                $"{Section}:{nameof(DefaultTrafficClass)} '{DefaultTrafficClass}' is not one of {string.Join(", ", TrafficClasses.All.Order(StringComparer.Ordinal))}");
        }

        if (!RouteRequired && string.IsNullOrWhiteSpace(DefaultRoute))
        {
            throw new InvalidOperationException($"{Section}:{nameof(DefaultRoute)} is empty, but {nameof(RouteRequired)} is false: name the route of a payload without one");
        }

        if (!TenantRequired && string.IsNullOrWhiteSpace(DefaultTenant))
        {
            throw new InvalidOperationException($"{Section}:{nameof(DefaultTenant)} is empty, but {nameof(TenantRequired)} is false: name the tenant of a payload without one");
        }

        if (DefaultGpuPool is not null && string.IsNullOrWhiteSpace(DefaultGpuPool))
        {
            throw new InvalidOperationException($"{Section}:{nameof(DefaultGpuPool)} is blank; leave it unset to refuse a self-hosted payload without a pool");
        }
    }

    /// <summary>The dotted paths of a comma-separated list, each split into its property names.</summary>
    public static IReadOnlyList<string[]> SplitPaths(string? list) =>
        [.. GenAiSpanMapping.Split(list).Select(p => p.Split('.'))];

    private static void Paths(string key, string? list, bool required)
    {
        var paths = GenAiSpanMapping.Split(list);
        if (required && paths.Count == 0)
        {
            throw new InvalidOperationException($"{Section}:{key} is empty, but {key}Required is true: every payload would be refused");
        }

        for (var i = 0; i < paths.Count; i++)
        {
            if (paths[i].Split('.').Any(part => part.Length == 0))
            {
                throw new InvalidOperationException($"{Section}:{key} '{list}' has an empty path or path segment at position {i + 1}");
            }
        }
    }
}
