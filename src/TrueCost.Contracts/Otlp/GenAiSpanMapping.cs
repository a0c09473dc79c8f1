using TrueCost.Contracts.RequestLogs;

namespace TrueCost.Contracts.Otlp;

/// <summary>
/// Which span and resource attributes give a GenAI span the request-log fields OpenTelemetry has no
/// convention for (route, tenant, traffic class, GPU pool); bound from configuration section
/// <see cref="Section"/>. Each list is an ordered, comma-separated string of attribute names, e.g.
/// <c>Ingest__Otlp__Spans__Tenant=org.id,tenant.id</c>: a string replaces the default whole, where a bound
/// list would have the configured names appended to the default ones. Every name of a list is looked up
/// on the span first, then every name on its resource, so a per-call value beats a per-service one;
/// the first non-blank value wins.
/// </summary>
public sealed class GenAiSpanMapping
{
    public const string Section = "Ingest:Otlp:Spans";

    /// <summary>
    /// The caller's route. OpenTelemetry's GenAI client span names the provider's endpoint, not the caller's,
    /// so <c>url.path</c> (/v1/chat/completions), <c>server.address</c> (api.openai.com) and
    /// <c>gen_ai.operation.name</c> (chat) are deliberately absent: each would put every call of a service on
    /// one route. <c>traceloop.workflow.name</c> is OpenLLMetry's workflow, copied onto the spans inside it;
    /// <c>service.name</c> (a resource attribute every SDK sets) is the last resort.
    /// </summary>
    public string Route { get; set; } = "truecost.route,http.route,traceloop.workflow.name,gen_ai.agent.name,service.name";

    /// <summary>
    /// The tenant billed for the call. No OpenTelemetry convention names one; <c>tenant.id</c> is the common
    /// spelling, and OpenLLMetry writes association properties as <c>traceloop.association.properties.*</c>.
    /// <c>enduser.id</c> and <c>gen_ai.conversation.id</c> are left out: a person or a conversation is not
    /// a tenant; add them here where a tenant is one person.
    /// </summary>
    public string Tenant { get; set; } = "truecost.tenant,tenant.id,traceloop.association.properties.tenant_id";

    public string TrafficClass { get; set; } = "truecost.traffic_class";

    /// <summary>The traffic class of a span that names none; one of <see cref="TrafficClasses.All"/>.</summary>
    public string DefaultTrafficClass { get; set; } = "interactive";

    /// <summary>A span naming a GPU pool was served self-hosted, by that pool.</summary>
    public string GpuPool { get; set; } = "truecost.gpu_pool";

    /// <summary>
    /// Provider values (compared ignoring case) that are always self-hosted: OpenLIT writes <c>vLLM</c> and
    /// <c>ollama</c>. A span of one of these that names no pool gets <see cref="DefaultGpuPool"/>, or is refused.
    /// </summary>
    public string SelfHostedProviders { get; set; } = "vllm,ollama";

    public string? DefaultGpuPool { get; set; }

    /// <summary>
    /// <c>gen_ai.operation.name</c> values that are not a model call. Agent and tool spans may carry the
    /// provider, the model and the usage summed over the calls beneath them, which are mapped on their own.
    /// </summary>
    public string SkippedOperations { get; set; } = "invoke_agent,create_agent,execute_tool";

    /// <summary>A span with no route is refused; when false it is mapped to <see cref="DefaultRoute"/>.</summary>
    public bool RouteRequired { get; set; } = true;

    public string DefaultRoute { get; set; } = "unattributed";

    /// <summary>A span with no tenant is refused; when false it is mapped to <see cref="DefaultTenant"/>.</summary>
    public bool TenantRequired { get; set; } = true;

    public string DefaultTenant { get; set; } = "unattributed";

    public void Validate()
    {
        Names(nameof(Route), Route, required: RouteRequired);
        Names(nameof(Tenant), Tenant, required: TenantRequired);
        Names(nameof(TrafficClass), TrafficClass, required: false);
        Names(nameof(GpuPool), GpuPool, required: false);
        Names(nameof(SelfHostedProviders), SelfHostedProviders, required: false);
        Names(nameof(SkippedOperations), SkippedOperations, required: false);

        if (!TrafficClasses.All.Contains(DefaultTrafficClass))
        {
            throw new InvalidOperationException(
                $"{Section}:{nameof(DefaultTrafficClass)} '{DefaultTrafficClass}' is not one of {string.Join(", ", TrafficClasses.All.Order(StringComparer.Ordinal))}");
        }

        if (!RouteRequired && string.IsNullOrWhiteSpace(DefaultRoute))
        {
            throw new InvalidOperationException($"{Section}:{nameof(DefaultRoute)} is empty, but {nameof(RouteRequired)} is false: name the route of a span without one");
        }

        if (!TenantRequired && string.IsNullOrWhiteSpace(DefaultTenant))
        {
            throw new InvalidOperationException($"{Section}:{nameof(DefaultTenant)} is empty, but {nameof(TenantRequired)} is false: name the tenant of a span without one");
        }

        if (DefaultGpuPool is not null && string.IsNullOrWhiteSpace(DefaultGpuPool))
        {
            throw new InvalidOperationException($"{Section}:{nameof(DefaultGpuPool)} is blank; leave it unset to refuse a self-hosted span without a pool");
        }
    }

    /// <summary>The names of a comma-separated list, in order.</summary>
    public static IReadOnlyList<string> Split(string? list) =>
        string.IsNullOrWhiteSpace(list) ? [] : list.Split(',', StringSplitOptions.TrimEntries);

    private static void Names(string key, string? list, bool required)
    {
        var names = Split(list);
        if (required && names.Count == 0)
        {
            throw new InvalidOperationException($"{Section}:{key} is empty, but {key}Required is true: every span would be refused");
        }

        for (var i = 0; i < names.Count; i++)
        {
            if (names[i].Length == 0)
            {
                throw new InvalidOperationException($"{Section}:{key} '{list}' has an empty name at position {i + 1}");
            }
        }
    }
}
