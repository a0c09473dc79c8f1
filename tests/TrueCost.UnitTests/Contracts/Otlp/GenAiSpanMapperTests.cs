using TrueCost.Contracts.Otlp;
using TrueCost.Contracts.RequestLogs;

namespace TrueCost.UnitTests.Contracts.Otlp;

/// <summary>
/// Spans shaped as real GenAI instrumentations emit them, each citing the test that fixes its attribute
/// names and values. Route and tenant are never written by an instrumentation: the resource below carries
/// them as an application would (service.name from the SDK, tenant.id set by the service).
/// </summary>
public class GenAiSpanMapperTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string SpanId = "00f067aa0ba902b7";
    private static readonly DateTimeOffset Start = new(2026, 11, 16, 10, 4, 12, TimeSpan.Zero);
    private static readonly GenAiSpanMapper Mapper = new(new GenAiSpanMapping(), new FixedClock(Start.AddHours(2)));

    // opentelemetry-python-contrib, instrumentation-genai/opentelemetry-instrumentation-openai-v2:
    // tests/test_chat_completions.py test_chat_completion_with_content with tests/test_utils.py assert_all_attributes
    // (default mode writes gen_ai.system) and the usage and model of tests/cassettes/test_chat_completion_with_content.yaml.
    private static readonly Dictionary<string, object?> OpenAiV2Chat = new()
    {
        ["gen_ai.operation.name"] = "chat",
        ["gen_ai.system"] = "openai",
        ["gen_ai.request.model"] = "gpt-4o-mini",
        ["gen_ai.response.model"] = "gpt-4o-mini-2024-07-18",
        ["gen_ai.response.id"] = "chatcmpl-ASYMQRl3A3DXL9FWCK9tnGRcKIO7q",
        ["gen_ai.usage.input_tokens"] = 12L,
        ["gen_ai.usage.output_tokens"] = 5L,
        ["server.address"] = "api.openai.com",
    };

    [Fact]
    public void An_openai_v2_chat_span_becomes_a_record_keyed_by_its_trace_and_span_ids()
    {
        var record = Mapped(Span("chat gpt-4o-mini", OpenAiV2Chat));

        Assert.Equal($"{TraceId}:{SpanId}", record.RequestId);
        Assert.Equal(Start, record.Timestamp);
        Assert.Equal(TimeSpan.Zero, record.Timestamp.Offset);
        Assert.Equal(1840.5, record.LatencyMs);
        Assert.Equal("support-bot", record.Route);
        Assert.Equal("tenant-acme", record.Tenant);
        Assert.Equal("openai", record.Provider);
        Assert.Null(record.ProviderName);
        Assert.Equal("gpt-4o-mini", record.Model);
        Assert.Equal("gpt-4o-mini-2024-07-18", record.ResponseModel);
        Assert.Equal((12L, 5L), (record.InputTokens, record.OutputTokens));
        Assert.Equal((ServingModes.Api, "interactive", RequestStatuses.Ok), (record.ServingMode, record.TrafficClass, record.Status));
        Assert.Null(record.GpuPool);
    }

    [Fact]
    public void Upper_case_ids_give_the_same_request_id_as_lower_case_ones()
    {
        var upper = Mapped(Span("chat gpt-4o-mini", OpenAiV2Chat, traceId: TraceId.ToUpperInvariant(), spanId: SpanId.ToUpperInvariant()));

        Assert.Equal($"{TraceId}:{SpanId}", upper.RequestId);
    }

    [Theory]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e473", SpanId)]
    [InlineData("00000000000000000000000000000000", SpanId)]
    [InlineData(TraceId, "00f067aa0ba902bz")]
    public void A_span_whose_ids_are_not_hex_of_the_right_length_is_refused(string traceId, string spanId)
    {
        var reason = Refused(Span("chat gpt-4o-mini", OpenAiV2Chat, traceId: traceId, spanId: spanId));

        Assert.Contains($"span '{traceId}'/'{spanId}': the trace id must be 32 and the span id 16 hex digits", reason);
    }

    // The request's provider attribute in the newest mode, and cached tokens: openai-v2's
    // tests/test_response_extractors.py (usage input 11, cached 3, cache creation 5, output 7; response model gpt-4.1),
    // written by opentelemetry-util-genai under the names in openai-v2's tests/test_utils.py assert_cache_attributes.
    [Fact]
    public void An_openai_v2_span_in_the_latest_mode_keeps_its_cache_counts_inside_input()
    {
        var record = Mapped(Span("chat gpt-4o-mini", new()
        {
            ["gen_ai.operation.name"] = "chat",
            ["gen_ai.provider.name"] = "openai",
            ["gen_ai.request.model"] = "gpt-4o-mini",
            ["gen_ai.response.model"] = "gpt-4.1",
            ["gen_ai.usage.input_tokens"] = 11L,
            ["gen_ai.usage.output_tokens"] = 7L,
            ["gen_ai.usage.cache_read.input_tokens"] = 3L,
            ["gen_ai.usage.cache_creation.input_tokens"] = 5L,
        }));

        Assert.Equal(("openai", null), (record.ProviderName, record.System));
        Assert.Equal((11L, 3L, 5L, 7L), (record.InputTokens, record.CacheReadTokens, record.CacheCreationTokens, record.OutputTokens));
        Assert.Equal(11L, record.InputTokensWithCache);
    }

    // traceloop/openllmetry packages/opentelemetry-instrumentation-openai/tests/traces/test_prompt_caching.py as of
    // the parent of 4c13c34ad (2025-10-30): span "openai.chat", the older prompt/completion names, cache reads
    // under OpenLLMetry's underscored name, and its llm.usage.total_tokens beside them.
    [Fact]
    public void An_openllmetry_openai_span_with_the_older_names_and_cached_tokens_is_counted_once()
    {
        var record = Mapped(Span("openai.chat", new()
        {
            ["llm.request.type"] = "chat",
            ["gen_ai.system"] = "openai",
            ["gen_ai.request.model"] = "gpt-4o-mini",
            ["gen_ai.usage.prompt_tokens"] = 1149L,
            ["gen_ai.usage.completion_tokens"] = 353L,
            ["gen_ai.usage.cache_read_input_tokens"] = 1024L,
            ["llm.usage.total_tokens"] = 1502L,
        }));

        Assert.Equal((1149L, 353L, 1024L), (record.InputTokens, record.OutputTokens, record.CacheReadTokens));
        Assert.Equal(1149L, record.InputTokensWithCache);
    }

    // traceloop/openllmetry packages/opentelemetry-instrumentation-anthropic/tests/test_prompt_caching.py:
    // _verify_caching_attributes(..., 1167, 187, 202, 1163) of test_anthropic_prompt_caching_legacy. Before
    // 1ebfd1b77 (2026-03-29) the instrumentation wrote gen_ai.system "Anthropic" and the underscored cache names;
    // after it, gen_ai.provider.name "anthropic" and OpenTelemetry's dotted ones. Either way input_tokens is
    // Anthropic's uncached input plus both cache counts (anthropic/__init__.py sums them).
    [Theory]
    [InlineData("gen_ai.system", "Anthropic", "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cache_creation_input_tokens")]
    [InlineData("gen_ai.provider.name", "anthropic", "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_creation.input_tokens")]
    public void An_openllmetry_anthropic_pair_writes_then_reads_the_cache_with_input_that_includes_it(
        string providerKey, string provider, string cacheRead, string cacheCreation)
    {
        Dictionary<string, object?> Call(long read, long created, long output) => new()
        {
            [providerKey] = provider,
            ["gen_ai.request.model"] = "claude-3-5-sonnet-20240620",
            ["gen_ai.usage.input_tokens"] = 1167L,
            ["gen_ai.usage.output_tokens"] = output,
            [cacheRead] = read,
            [cacheCreation] = created,
        };

        var writes = Mapped(Span("anthropic.chat", Call(read: 0, created: 1163, output: 187)));
        var reads = Mapped(Span("anthropic.chat", Call(read: 1163, created: 0, output: 202), spanId: "00f067aa0ba902b8"));

        Assert.Equal(provider, writes.Provider);
        Assert.Equal((1167L, 0L, 1163L, 187L), (writes.InputTokens, writes.CacheReadTokens, writes.CacheCreationTokens, writes.OutputTokens));
        Assert.Equal((1167L, 1163L, 0L, 202L), (reads.InputTokens, reads.CacheReadTokens, reads.CacheCreationTokens, reads.OutputTokens));
        Assert.Equal(1167L, reads.InputTokensWithCache);
    }

    // openlit/openlit sdk/python/src/openlit/semcov/__init__.py and instrumentation/openai/utils.py: the OpenTelemetry
    // cache names (set even when 0), its own gen_ai.usage.reasoning_tokens and completion_tokens_details spelling,
    // gen_ai.usage.prompt_tokens_details.cached_tokens (written from f0267edd, 2025-07, until 1f07f3cd, 2025-12), and
    // gen_ai.client.token.usage set as a span attribute (input + output).
    [Fact]
    public void OpenLit_spellings_of_one_count_are_read_once()
    {
        var record = Mapped(Span("chat gpt-4o", new()
        {
            ["gen_ai.operation.name"] = "chat",
            ["gen_ai.provider.name"] = "openai",
            ["gen_ai.request.model"] = "gpt-4o",
            ["gen_ai.usage.input_tokens"] = 2048L,
            ["gen_ai.usage.output_tokens"] = 300L,
            ["gen_ai.client.token.usage"] = 2348L,
            ["gen_ai.usage.cache_read.input_tokens"] = 1024L,
            ["gen_ai.usage.prompt_tokens_details.cached_tokens"] = 1024L,
            ["gen_ai.usage.cache_creation.input_tokens"] = 0L,
            ["gen_ai.usage.reasoning_tokens"] = 120L,
            ["gen_ai.usage.completion_tokens_details.reasoning_tokens"] = 120L,
        }));

        Assert.Equal((2048L, 300L, 1024L, 0L, 120L),
            (record.InputTokens, record.OutputTokens, record.CacheReadTokens, record.CacheCreationTokens, record.ReasoningTokens));
    }

    [Fact]
    public void Two_spellings_of_one_count_that_disagree_are_refused()
    {
        var reason = Refused(Span("chat gpt-4o", With(OpenAiV2Chat, new()
        {
            ["gen_ai.usage.cache_read.input_tokens"] = 4L,
            ["gen_ai.usage.cache_read_input_tokens"] = 5L,
        })));

        Assert.Equal(
            $"span {TraceId}/{SpanId}: gen_ai.usage.cache_read.input_tokens 4 on the span and gen_ai.usage.cache_read_input_tokens 5 on the span disagree; send the count once",
            reason);
    }

    // openai-v2 tests/test_chat_completions.py test_chat_completion_404 (error.type NotFoundError, no usage, no
    // response model) and test_chat_completion_bad_endpoint (APIConnectionError); APITimeoutError is the
    // openai-python exception a timed-out call raises.
    [Theory]
    [InlineData("NotFoundError", RequestStatuses.Error)]
    [InlineData("APIConnectionError", RequestStatuses.Error)]
    [InlineData("APITimeoutError", RequestStatuses.Timeout)]
    public void A_failed_call_without_usage_is_counted_with_zero_tokens(string errorType, string status)
    {
        var record = Mapped(Span("chat this-model-does-not-exist", new()
        {
            ["gen_ai.operation.name"] = "chat",
            ["gen_ai.system"] = "openai",
            ["gen_ai.request.model"] = "this-model-does-not-exist",
            ["server.address"] = "api.openai.com",
            ["error.type"] = errorType,
        }, status: OtlpSpan.StatusError));

        Assert.Equal(status, record.Status);
        Assert.Equal((0L, 0L, 0L), (record.InputTokens, record.OutputTokens, record.CacheReadTokens));
        Assert.Null(record.ResponseModel);
    }

    [Fact]
    public void Error_type_marks_a_call_failed_even_when_the_span_status_is_unset()
    {
        var record = Mapped(Span("chat gpt-4o-mini", With(OpenAiV2Chat, new() { ["error.type"] = "RateLimitError" })));

        Assert.Equal(RequestStatuses.Error, record.Status);
        Assert.Equal(12L, record.InputTokens);
    }

    [Fact]
    public void An_ok_span_without_usage_is_refused()
    {
        var reason = Refused(Span("chat gpt-4o-mini", Without(OpenAiV2Chat, "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")));

        Assert.Equal($"span {TraceId}/{SpanId}: no gen_ai.usage.* tokens on an ok span or its events; only a failed call may be counted without usage", reason);
    }

    // opentelemetry-python-contrib instrumentation-genai/opentelemetry-instrumentation-google-genai
    // tests/generate_content/nonstreaming_base.py: span "generate_content gemini-2.0-flash" with gen_ai.system
    // "gemini", and usage on the gen_ai.client.inference.operation.details event (that test reads it from the
    // event; here it arrives as an event of the span). Counts from test_generated_span_counts_tokens.
    private static readonly OtlpSpanEvent GeminiDetails = new("gen_ai.client.inference.operation.details", 0, new Dictionary<string, object?>
    {
        ["gen_ai.usage.input_tokens"] = 123L,
        ["gen_ai.usage.output_tokens"] = 473L,
        ["gen_ai.usage.cache_read.input_tokens"] = 50L,
        ["gen_ai.usage.reasoning.output_tokens"] = 17L,
    });

    private static readonly Dictionary<string, object?> GeminiCall = new()
    {
        ["gen_ai.operation.name"] = "generate_content",
        ["gen_ai.system"] = "gemini",
        ["gen_ai.request.model"] = "gemini-2.0-flash",
    };

    [Fact]
    public void Usage_only_on_an_event_of_the_span_is_read_from_the_event()
    {
        var record = Mapped(Span("generate_content gemini-2.0-flash", GeminiCall, events: [GeminiDetails]));

        Assert.Equal((123L, 473L, 50L, 17L), (record.InputTokens, record.OutputTokens, record.CacheReadTokens, record.ReasoningTokens));
    }

    [Fact]
    public void Usage_on_both_the_span_and_its_event_is_counted_once()
    {
        var span = Span("generate_content gemini-2.0-flash",
            With(GeminiCall, new() { ["gen_ai.usage.input_tokens"] = 123L, ["gen_ai.usage.output_tokens"] = 473L }),
            events: [GeminiDetails]);

        var record = Mapped(span);

        Assert.Equal((123L, 473L, 50L, 17L), (record.InputTokens, record.OutputTokens, record.CacheReadTokens, record.ReasoningTokens));
    }

    [Fact]
    public void Usage_on_the_span_and_its_event_that_disagree_is_refused()
    {
        var span = Span("generate_content gemini-2.0-flash",
            With(GeminiCall, new() { ["gen_ai.usage.input_tokens"] = 100L, ["gen_ai.usage.output_tokens"] = 473L }),
            events: [GeminiDetails]);

        Assert.Equal(
            $"span {TraceId}/{SpanId}: gen_ai.usage.input_tokens 100 on the span and gen_ai.usage.input_tokens 123 on event 'gen_ai.client.inference.operation.details' disagree; send the count once",
            Refused(span));
    }

    [Theory]
    [InlineData(12.0, 12L)]
    [InlineData("12", 12L)]
    public void A_count_sent_as_a_whole_double_or_a_string_is_read(object sent, long read)
    {
        var record = Mapped(Span("chat gpt-4o-mini", With(OpenAiV2Chat, new() { ["gen_ai.usage.input_tokens"] = sent })));

        Assert.Equal(read, record.InputTokens);
    }

    [Theory]
    [InlineData(12.5, "gen_ai.usage.input_tokens 12.5 on the span is not a whole number of tokens")]
    [InlineData("twelve", "gen_ai.usage.input_tokens 'twelve' on the span is not a whole number of tokens")]
    [InlineData(true, "gen_ai.usage.input_tokens true on the span is not a whole number of tokens")]
    [InlineData(-3L, "gen_ai.usage.input_tokens -3 is negative")]
    public void A_count_that_is_not_a_whole_non_negative_number_is_refused(object sent, string expected)
    {
        var reason = Refused(Span("chat gpt-4o-mini", With(OpenAiV2Chat, new() { ["gen_ai.usage.input_tokens"] = sent })));

        Assert.Equal($"span {TraceId}/{SpanId}: {expected}", reason);
    }

    // opentelemetry-python-contrib instrumentation/opentelemetry-instrumentation-httpx
    // tests/test_httpx_integration.py test_basic: the HTTP client span beside a GenAI call in the same trace.
    [Fact]
    public void An_http_client_span_is_not_a_genai_span()
    {
        var mapping = Mapper.Map(Span("GET", new()
        {
            ["http.method"] = "GET",
            ["http.url"] = "http://mock/status/200",
            ["http.status_code"] = 200L,
        }));

        Assert.Equal(SpanMappingOutcome.NotGenAi, mapping.Outcome);
        Assert.Null(mapping.Record);
        Assert.Equal("no gen_ai.provider.name, gen_ai.system, gen_ai.request.model or gen_ai.response.model", mapping.Reason);
    }

    [Fact]
    public void An_agent_span_is_skipped_so_the_usage_of_the_calls_beneath_it_is_not_counted_twice()
    {
        var mapping = Mapper.Map(Span("invoke_agent support", With(OpenAiV2Chat, new() { ["gen_ai.operation.name"] = "invoke_agent" })));

        Assert.Equal(SpanMappingOutcome.NotGenAi, mapping.Outcome);
        Assert.Equal("gen_ai.operation.name 'invoke_agent' is not a model call", mapping.Reason);
    }

    [Fact]
    public void A_span_without_a_tenant_is_refused_naming_the_attributes_looked_at()
    {
        var reason = Refused(Span("chat gpt-4o-mini", OpenAiV2Chat, resource: new() { ["service.name"] = "support-bot" }));

        Assert.Equal(
            $"span {TraceId}/{SpanId}: no tenant: none of truecost.tenant, tenant.id, traceloop.association.properties.tenant_id on the span or its resource",
            reason);
    }

    [Fact]
    public void A_span_without_a_tenant_gets_the_default_tenant_when_the_tenant_is_not_required()
    {
        var mapper = new GenAiSpanMapper(new GenAiSpanMapping { TenantRequired = false, DefaultTenant = "shared" }, new FixedClock(Start.AddHours(2)));

        var record = mapper.Map(Span("chat gpt-4o-mini", OpenAiV2Chat, resource: new() { ["service.name"] = "support-bot" })).Record;

        Assert.Equal("shared", record?.Tenant);
    }

    [Fact]
    public void A_value_on_the_span_wins_over_the_resource_and_the_sdk_default_service_name_is_no_route()
    {
        var resource = new Dictionary<string, object?> { ["service.name"] = "unknown_service:python", ["truecost.tenant"] = "platform" };
        var span = Span("chat gpt-4o-mini", With(OpenAiV2Chat, new() { ["tenant.id"] = "tenant-acme" }), resource: resource);

        Assert.Equal("tenant-acme", Mapped(span with { Attributes = With(span.Attributes, new() { ["http.route"] = "/chat/support" }) }).Tenant);
        Assert.Equal(
            $"span {TraceId}/{SpanId}: no route: none of truecost.route, http.route, traceloop.workflow.name, gen_ai.agent.name, service.name on the span or its resource",
            Refused(span));
    }

    // openlit/openlit sdk/python/src/openlit/instrumentation/vllm/utils.py: provider GEN_AI_SYSTEM_VLLM = "vLLM",
    // written as gen_ai.provider.name by __helpers.py (older releases wrote gen_ai.system).
    [Fact]
    public void A_vllm_span_is_self_hosted_on_the_pool_it_names()
    {
        var vllm = new Dictionary<string, object?>
        {
            ["gen_ai.operation.name"] = "chat",
            ["gen_ai.provider.name"] = "vLLM",
            ["gen_ai.request.model"] = "meta-llama/Llama-3.1-8B-Instruct",
            ["gen_ai.usage.input_tokens"] = 310L,
            ["gen_ai.usage.output_tokens"] = 42L,
        };

        var named = Mapped(Span("chat meta-llama/Llama-3.1-8B-Instruct", With(vllm, new() { ["truecost.gpu_pool"] = "h100-pool" })));
        var unnamed = Refused(Span("chat meta-llama/Llama-3.1-8B-Instruct", vllm));

        Assert.Equal((ServingModes.SelfHosted, "h100-pool"), (named.ServingMode, named.GpuPool));
        Assert.Equal(
            $"span {TraceId}/{SpanId}: provider 'vLLM' is self-hosted but no gpu pool: none of truecost.gpu_pool on the span or its resource; set Ingest:Otlp:Spans:DefaultGpuPool or send the attribute",
            unnamed);
    }

    [Fact]
    public void A_traffic_class_outside_the_native_list_is_refused_by_the_native_rules()
    {
        var reason = Refused(Span("chat gpt-4o-mini", With(OpenAiV2Chat, new() { ["truecost.traffic_class"] = "realtime" })));

        Assert.StartsWith($"span {TraceId}/{SpanId}: traffic_class 'realtime' is not one of background, batch", reason);
    }

    [Fact]
    public void A_span_that_ends_before_it_starts_is_refused()
    {
        var span = Span("chat gpt-4o-mini", OpenAiV2Chat);

        var reason = Refused(span with { EndTimeUnixNano = span.StartTimeUnixNano - 1_000_000 });

        Assert.Equal($"span {TraceId}/{SpanId}: it ends at 2026-11-16T10:04:11.9990000+00:00, before it starts at 2026-11-16T10:04:12.0000000+00:00", reason);
    }

    [Fact]
    public void A_span_naming_only_its_response_model_is_priced_by_that_model()
    {
        var record = Mapped(Span("chat", Without(OpenAiV2Chat, "gen_ai.request.model")));

        Assert.Equal(("gpt-4o-mini-2024-07-18", "gpt-4o-mini-2024-07-18"), (record.Model, record.ResponseModel));
    }

    [Fact]
    public void Every_record_the_mapper_makes_passes_the_native_check()
    {
        var record = Mapped(Span("chat gpt-4o-mini", OpenAiV2Chat));

        Assert.Null(RequestLogParser.Check(record, Start.AddHours(2)));
        Assert.Equal("route is missing or empty", RequestLogParser.Check(record with { Route = " " }, Start.AddHours(2)));
    }

    [Theory]
    [InlineData("DefaultTrafficClass", "Ingest:Otlp:Spans:DefaultTrafficClass 'realtime' is not one of")]
    [InlineData("Tenant", "Ingest:Otlp:Spans:Tenant is empty, but TenantRequired is true")]
    [InlineData("Route", "Ingest:Otlp:Spans:Route 'http.route,,service.name' has an empty name at position 2")]
    public void A_mapping_that_cannot_work_fails_validation_naming_its_key(string key, string expected)
    {
        var mapping = key switch
        {
            "DefaultTrafficClass" => new GenAiSpanMapping { DefaultTrafficClass = "realtime" },
            "Tenant" => new GenAiSpanMapping { Tenant = " " },
            _ => new GenAiSpanMapping { Route = "http.route,,service.name" },
        };

        var error = Assert.Throws<InvalidOperationException>(mapping.Validate);

        Assert.StartsWith(expected, error.Message);
    }

    private static OtlpSpan Span(
        string name,
        Dictionary<string, object?> attributes,
        int status = 0,
        IReadOnlyList<OtlpSpanEvent>? events = null,
        Dictionary<string, object?>? resource = null,
        string traceId = TraceId,
        string spanId = SpanId)
    {
        var start = (Start - DateTimeOffset.UnixEpoch).Ticks * 100;
        return new OtlpSpan(
            traceId,
            spanId,
            name,
            Kind: 3,
            StartTimeUnixNano: start,
            EndTimeUnixNano: start + 1_840_500_000,
            StatusCode: status,
            StatusMessage: null,
            attributes,
            events ?? [],
            resource ?? new Dictionary<string, object?> { ["service.name"] = "support-bot", ["tenant.id"] = "tenant-acme" },
            ScopeName: null);
    }

    private static RequestLogRecord Mapped(OtlpSpan span)
    {
        var mapping = Mapper.Map(span);
        Assert.True(mapping.Outcome == SpanMappingOutcome.Record, mapping.Reason);
        return mapping.Record!;
    }

    private static string Refused(OtlpSpan span)
    {
        var mapping = Mapper.Map(span);
        Assert.Equal(SpanMappingOutcome.Refused, mapping.Outcome);
        return mapping.Reason!;
    }

    private static Dictionary<string, object?> With(IReadOnlyDictionary<string, object?> attributes, Dictionary<string, object?> changes)
    {
        var copy = new Dictionary<string, object?>(attributes);
        foreach (var (key, value) in changes)
        {
            copy[key] = value;
        }

        return copy;
    }

    private static Dictionary<string, object?> Without(IReadOnlyDictionary<string, object?> attributes, params string[] keys) =>
        attributes.Where(a => !keys.Contains(a.Key)).ToDictionary();
}
