using System.Text.Json;
using System.Text.Json.Nodes;
using TrueCost.Contracts.LiteLlm;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;
using static TrueCost.UnitTests.Contracts.LiteLlm.StandardLoggingPayloads;

namespace TrueCost.UnitTests.Contracts.LiteLlm;

public class StandardLoggingPayloadMapperTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1764936000);
    private static readonly StandardLoggingPayloadMapper Mapper = new(new LiteLlmOptions(), new FixedClock(Now));

    [Fact]
    public void A_streamed_openai_call_keeps_its_id_times_team_key_and_dated_response_model()
    {
        var record = Mapped(Bytes(OpenAiStreamedWithPromptCache));

        Assert.Equal("chatcmpl-9f0c2d6e-5b7a-4c1e-8d3f-2a6b9e4c7d10", record.RequestId);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(17_649_300_124_151_230), record.Timestamp);
        Assert.Equal(TimeSpan.Zero, record.Timestamp.Offset);
        Assert.Equal((1764930015.902311 - 1764930012.415123) * 1000, record.LatencyMs, precision: 3);
        Assert.Equal((1764930012.872004 - 1764930012.415123) * 1000, record.TimeToFirstTokenMs!.Value, precision: 3);
        Assert.Equal(("support-bot", "customer-care"), (record.Route, record.Tenant));
        Assert.Equal(("openai", "gpt-4o", "gpt-4o-2024-08-06"), (record.Provider, record.Model, record.ResponseModel));
        Assert.Equal((ServingModes.Api, "interactive", RequestStatuses.Ok), (record.ServingMode, record.TrafficClass, record.Status));
        Assert.Null(record.GpuPool);
    }

    [Fact]
    public void Openai_cached_tokens_stay_inside_the_prompt_tokens()
    {
        var record = Mapped(Bytes(OpenAiStreamedWithPromptCache));

        Assert.Equal((2006L, 300L), (record.InputTokens, record.OutputTokens));
        Assert.Equal(1920, record.CacheReadTokens);
        Assert.Equal(0, record.CacheCreationTokens);
        Assert.Equal(2006, record.InputTokensWithCache);
    }

    [Fact]
    public void The_response_cost_is_kept_exactly_as_the_reported_cost_in_usd()
    {
        Assert.Equal(0.005615m, Mapped(Bytes(OpenAiStreamedWithPromptCache)).ReportedCost);
        Assert.Equal(0.00022500000000000002m, Mapped(Edited(OpenAiStreamedWithPromptCache, p => p["response_cost"] = JsonNode.Parse("0.00022500000000000002"))).ReportedCost);
        Assert.Equal(0.0000025m, Mapped(Edited(OpenAiStreamedWithPromptCache, p => p["response_cost"] = JsonNode.Parse("2.5e-06"))).ReportedCost);
    }

    [Fact]
    public void An_anthropic_cache_write_is_counted_once_inside_the_prompt_tokens()
    {
        var record = Mapped(Bytes(AnthropicCacheWrite));

        Assert.Equal(("anthropic", "claude-3-5-sonnet-20241022"), (record.Provider, record.Model));
        Assert.Equal((2060L, 150L), (record.InputTokens, record.OutputTokens));
        Assert.Equal((0L, 2048L), (record.CacheReadTokens, record.CacheCreationTokens));
        Assert.Equal(2060, record.InputTokensWithCache);
        Assert.Equal(("contract-review", "legal", "batch"), (record.Route, record.Tenant, record.TrafficClass));
        Assert.Equal(0.009966m, record.ReportedCost);
    }

    [Fact]
    public void A_call_that_did_not_stream_has_no_time_to_first_token_of_its_own()
    {
        var record = Mapped(Bytes(AnthropicCacheWrite));

        Assert.Null(record.TimeToFirstTokenMs);
        Assert.Equal(4250, record.LatencyMs, precision: 3);
    }

    [Fact]
    public void Anthropic_cache_reads_given_only_as_cache_read_input_tokens_are_read_there()
    {
        var record = Mapped(Edited(AnthropicCacheWrite, p =>
        {
            var usage = p["response"]!["usage"]!.AsObject();
            usage["prompt_tokens_details"] = null;
            usage["cache_creation_input_tokens"] = 0;
            usage["cache_read_input_tokens"] = 2048;
        }));

        Assert.Equal((2048L, 0L), (record.CacheReadTokens, record.CacheCreationTokens));
        Assert.Equal(2060, record.InputTokensWithCache);
    }

    [Fact]
    public void A_failure_is_an_error_without_usage_and_its_zero_cost_is_kept()
    {
        var record = Mapped(Bytes(OpenAiRateLimited));

        Assert.Equal(RequestStatuses.Error, record.Status);
        Assert.Equal((0L, 0L), (record.InputTokens, record.OutputTokens));
        Assert.Null(record.ResponseModel);
        Assert.Equal(0m, record.ReportedCost);
        Assert.Equal("6a2f8c14-3d9b-4e07-a5c1-8b7e2d0f4a63", record.RequestId);
    }

    [Theory]
    [InlineData("Timeout", RequestStatuses.Timeout)]
    [InlineData("APITimeoutError", RequestStatuses.Timeout)]
    [InlineData("RateLimitError", RequestStatuses.Error)]
    [InlineData("InternalServerError", RequestStatuses.Error)]
    public void A_failure_is_a_timeout_when_its_error_class_names_one(string errorClass, string status)
    {
        var record = Mapped(Edited(OpenAiRateLimited, p => p["error_information"]!["error_class"] = errorClass));

        Assert.Equal(status, record.Status);
    }

    [Fact]
    public void A_call_litellm_could_not_price_has_no_reported_cost_rather_than_zero()
    {
        var record = Mapped(Bytes(UnpricedFineTune));

        Assert.Null(record.ReportedCost);
        Assert.Equal((500L, 40L), (record.InputTokens, record.OutputTokens));
        Assert.Equal("ft:gpt-4o-mini-2024-07-18:acme::9XyZ1abc", record.Model);
    }

    [Fact]
    public void Without_a_key_alias_or_team_alias_the_model_group_and_team_id_are_route_and_tenant()
    {
        var record = Mapped(Bytes(UnpricedFineTune));

        Assert.Equal(("triage-ft", "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1b"), (record.Route, record.Tenant));
    }

    [Fact]
    public void A_response_from_litellms_own_cache_is_a_request_with_no_provider_tokens()
    {
        var record = Mapped(Edited(OpenAiStreamedWithPromptCache, p =>
        {
            p["cache_hit"] = true;
            p["response_cost"] = 0.0;
            p["saved_cache_cost"] = 0.005615;
        }));

        Assert.Equal(RequestStatuses.Ok, record.Status);
        Assert.Equal((0L, 0L, 0L), (record.InputTokens, record.OutputTokens, record.CacheReadTokens));
        Assert.Equal(0m, record.ReportedCost);
    }

    [Fact]
    public void Usage_is_read_from_the_metadata_usage_object_when_the_response_has_none()
    {
        var record = Mapped(Edited(OpenAiStreamedWithPromptCache, p =>
        {
            p["response"] = null;
            p.Remove("prompt_tokens");
            p.Remove("completion_tokens");
        }));

        Assert.Equal((2006L, 300L, 1920L), (record.InputTokens, record.OutputTokens, record.CacheReadTokens));
    }

    [Theory]
    [InlineData("azure", "azure/gpt-4o", "gpt-4o")]
    [InlineData("vertex_ai", "vertex_ai/gemini-1.5-pro", "gemini-1.5-pro")]
    [InlineData("openrouter", "openrouter/openai/gpt-4o", "openai/gpt-4o")]
    [InlineData("bedrock", "us.anthropic.claude-3-5-sonnet-20241022-v2:0", "us.anthropic.claude-3-5-sonnet-20241022-v2:0")]
    [InlineData("together_ai", "meta-llama/Llama-3.3-70B-Instruct-Turbo", "meta-llama/Llama-3.3-70B-Instruct-Turbo")]
    public void A_route_prefix_naming_the_models_own_provider_is_dropped_as_the_price_catalogue_drops_it(string provider, string model, string expected)
    {
        var record = Mapped(Edited(UnpricedFineTune, p =>
        {
            p["custom_llm_provider"] = provider;
            p["model"] = model;
            p["response"]!["model"] = model;
        }));

        Assert.Equal((expected, expected), (record.Model, record.ResponseModel));
    }

    [Fact]
    public void A_response_model_that_is_only_the_model_group_is_not_taken_for_the_providers_model()
    {
        var record = Mapped(Edited(AnthropicCacheWrite, p => p["response"]!["model"] = "claude-sonnet"));

        Assert.Null(record.ResponseModel);
        Assert.Equal("claude-3-5-sonnet-20241022", record.Model);
    }

    [Fact]
    public void A_self_hosted_provider_needs_a_gpu_pool_from_the_payload_or_the_configuration()
    {
        void SelfHosted(JsonObject p)
        {
            p["custom_llm_provider"] = "hosted_vllm";
            p["model"] = "meta-llama/Llama-3.1-8B-Instruct";
            p["response"]!["model"] = "meta-llama/Llama-3.1-8B-Instruct";
        }

        var refused = Refused(Edited(UnpricedFineTune, SelfHosted));
        var tagged = Mapped(Edited(UnpricedFineTune, p =>
        {
            SelfHosted(p);
            p["metadata"]!["spend_logs_metadata"] = new JsonObject { ["gpu_pool"] = "l40s-pool" };
        }));
        var defaulted = new StandardLoggingPayloadMapper(new LiteLlmOptions { DefaultGpuPool = "h100-pool" }, new FixedClock(Now))
            .Map(Edited(UnpricedFineTune, SelfHosted)).Record!;

        Assert.Contains("custom_llm_provider 'hosted_vllm' is self-hosted but no gpu pool", refused);
        Assert.Equal((ServingModes.SelfHosted, "l40s-pool"), (tagged.ServingMode, tagged.GpuPool));
        Assert.Equal((ServingModes.SelfHosted, "h100-pool"), (defaulted.ServingMode, defaulted.GpuPool));
    }

    [Fact]
    public void A_payload_without_a_team_is_refused_naming_the_setting_unless_a_default_tenant_is_allowed()
    {
        static void NoTeam(JsonObject p)
        {
            p["metadata"]!["user_api_key_team_id"] = null;
            p["metadata"]!["user_api_key_team_alias"] = null;
        }

        var reason = Refused(Edited(OpenAiStreamedWithPromptCache, NoTeam));
        var defaulted = new StandardLoggingPayloadMapper(new LiteLlmOptions { TenantRequired = false, DefaultTenant = "shared" }, new FixedClock(Now))
            .Map(Edited(OpenAiStreamedWithPromptCache, NoTeam)).Record!;

        Assert.Contains("payload 'chatcmpl-9f0c2d6e-5b7a-4c1e-8d3f-2a6b9e4c7d10'", reason);
        Assert.Contains("no tenant: none of metadata.user_api_key_team_alias,metadata.user_api_key_team_id in the payload (Ingest:LiteLlm:Tenant)", reason);
        Assert.Equal("shared", defaulted.Tenant);
    }

    [Fact]
    public void Route_and_tenant_come_from_the_configured_paths_in_order()
    {
        var options = new LiteLlmOptions { Route = "metadata.requester_metadata.app,model_group", Tenant = "metadata.user_api_key_org_id,end_user" };
        var record = new StandardLoggingPayloadMapper(options, new FixedClock(Now)).Map(Edited(OpenAiStreamedWithPromptCache, p =>
        {
            p["metadata"]!["requester_metadata"] = new JsonObject { ["app"] = "checkout" };
            p["end_user"] = "shop-17";
        })).Record!;

        Assert.Equal(("checkout", "shop-17"), (record.Route, record.Tenant));
    }

    [Theory]
    [InlineData("startTime", "\"2025-12-05 10:20:12.415123\"", "startTime '2025-12-05 10:20:12.415123' has no UTC offset")]
    [InlineData("startTime", "true", "startTime true is neither epoch seconds nor a timestamp")]
    [InlineData("endTime", "1764930000.0", "endTime 2025-12-05T10:20:00.0000000+00:00 is before startTime")]
    [InlineData("status", "\"pending\"", "status 'pending' is neither \"success\" nor \"failure\"")]
    [InlineData("prompt_tokens", "-3", "prompt_tokens -3 is not a whole, non-negative number of tokens")]
    [InlineData("prompt_tokens", "12.5", "prompt_tokens 12.5 is not a whole, non-negative number of tokens")]
    [InlineData("response_cost", "\"free\"", "response_cost \"free\" is not an amount of USD")]
    [InlineData("response_cost", "-0.01", "reported_cost_usd -0.01 is negative")]
    [InlineData("custom_llm_provider", "null", "no custom_llm_provider")]
    [InlineData("completion_tokens", "20000000", "gen_ai.usage.output_tokens 20000000 is over the plausible maximum")]
    public void A_payload_with_a_field_that_cannot_be_read_is_refused_with_the_field_and_value(string field, string json, string reason)
    {
        var refused = Refused(Edited(OpenAiStreamedWithPromptCache, p => p[field] = JsonNode.Parse(json)));

        Assert.StartsWith("LiteLLM payload 'chatcmpl-9f0c2d6e-5b7a-4c1e-8d3f-2a6b9e4c7d10': ", refused);
        Assert.Contains(reason, refused);
    }

    [Fact]
    public void A_payload_from_more_than_an_hour_ahead_of_the_clock_is_refused_by_the_native_timestamp_rule()
    {
        var refused = Refused(Edited(OpenAiStreamedWithPromptCache, p =>
        {
            p["startTime"] = Now.AddHours(2).ToUnixTimeSeconds();
            p["endTime"] = Now.AddHours(2).ToUnixTimeSeconds() + 3;
        }));

        Assert.Contains($"timestamp {Now.AddHours(2):O} is more than 1 h in the future", refused);
    }

    [Fact]
    public void A_timestamp_text_with_an_offset_is_read_as_utc()
    {
        var record = Mapped(Edited(OpenAiStreamedWithPromptCache, p =>
        {
            p["startTime"] = "2025-12-05T11:20:12.415123+01:00";
            p["endTime"] = "2025-12-05T10:20:15.902311Z";
        }));

        Assert.Equal(new DateTimeOffset(2025, 12, 5, 10, 20, 12, TimeSpan.Zero).AddTicks(4_151_230), record.Timestamp);
        Assert.Equal(TimeSpan.Zero, record.Timestamp.Offset);
    }

    [Theory]
    [InlineData("", "empty LiteLLM payload")]
    [InlineData("{\"id\": \"x\",", "LiteLLM payload is not JSON")]
    [InlineData("[1, 2]", "LiteLLM payload is a JSON array, not an object")]
    [InlineData("{} {}", "LiteLLM payload is not JSON: '{' is invalid after a single JSON value")]
    [InlineData("{\"trace_id\": \"t\"}", "LiteLLM payload has no id")]
    [InlineData("{\"request_id\": \"chatcmpl-1\", \"spend\": 0.000225, \"startTime\": \"2025-01-24 09:20:46.847371\"}", "LiteLLM SpendLogs row 'chatcmpl-1' (request_id, spend) is not a standard logging payload")]
    public void Something_that_is_not_a_payload_is_refused_saying_what_it_is(string text, string reason)
    {
        Assert.Contains(reason, Refused(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void A_mapped_record_passes_the_native_request_log_parser_with_the_same_values()
    {
        foreach (var payload in new[] { OpenAiStreamedWithPromptCache, AnthropicCacheWrite, OpenAiRateLimited, UnpricedFineTune })
        {
            var record = Mapped(Bytes(payload));
            var parsed = new RequestLogParser(new FixedClock(Now)).Parse(JsonSerializer.SerializeToUtf8Bytes(record, WireJson.Options));

            Assert.True(parsed.IsValid, parsed.Error);
            Assert.Equal(record, parsed.Record);
        }
    }

    [Theory]
    [InlineData("Topic", "litellm spend", "Ingest:LiteLlm:Topic 'litellm spend' is not a Kafka topic name")]
    [InlineData("Tenant", "", "Ingest:LiteLlm:Tenant is empty, but TenantRequired is true")]
    [InlineData("Route", "metadata..alias", "Ingest:LiteLlm:Route 'metadata..alias' has an empty path or path segment at position 1")]
    [InlineData("DefaultTrafficClass", "urgent", "Ingest:LiteLlm:DefaultTrafficClass 'urgent' is not one of")]
    public void Options_that_would_refuse_every_payload_or_cannot_be_used_fail_at_start(string key, string value, string error)
    {
        var options = new LiteLlmOptions();
        typeof(LiteLlmOptions).GetProperty(key)!.SetValue(options, value);

        var e = Assert.Throws<InvalidOperationException>(options.Validate);

        Assert.StartsWith(error, e.Message);
    }

    private static RequestLogRecord Mapped(byte[] payload)
    {
        var result = Mapper.Map(payload);
        Assert.True(result.IsValid, result.Error);
        return result.Record!;
    }

    private static string Refused(byte[] payload)
    {
        var result = Mapper.Map(payload);
        Assert.False(result.IsValid, "the payload was mapped");
        return result.Error!;
    }
}
