using System.Text;
using System.Text.Json.Nodes;

namespace TrueCost.UnitTests.Contracts.LiteLlm;

/// <summary>
/// Standard logging payloads shaped as LiteLLM's proxy hands them to its logging callbacks: the fields of
/// <c>StandardLoggingPayload</c>, <c>StandardLoggingMetadata</c> and <c>StandardLoggingHiddenParams</c> in
/// litellm/types/utils.py, laid out as in its tests/logging_callback_tests/gcs_pub_sub_body/standard_logging_payload.json,
/// with epoch-second floats for the times as the type declares them. Usage objects follow LiteLLM's <c>Usage</c>:
/// OpenAI's counts as sent; Anthropic's with prompt_tokens = input + cache writes + cache reads, the cache reads
/// copied to prompt_tokens_details.cached_tokens and both cache counts kept beside (llms/anthropic/chat/transformation.py).
/// Names, keys and amounts are this test's own.
/// </summary>
internal static class StandardLoggingPayloads
{
    /// <summary>A streamed gpt-4o call through a team's virtual key, 1,920 of its 2,006 prompt tokens read from OpenAI's prompt cache.</summary>
    public const string OpenAiStreamedWithPromptCache = """
        {
          "id": "chatcmpl-9f0c2d6e-5b7a-4c1e-8d3f-2a6b9e4c7d10",
          "trace_id": "5e1d6c0a-8b43-4f2e-9a71-3c2d8e6f4b90",
          "call_type": "acompletion",
          "stream": true,
          "status": "success",
          "custom_llm_provider": "openai",
          "cache_hit": null,
          "saved_cache_cost": 0.0,
          "startTime": 1764930012.415123,
          "endTime": 1764930015.902311,
          "completionStartTime": 1764930012.872004,
          "response_time": 3.487188,
          "model": "gpt-4o",
          "model_id": "7c1a4e2b9d0f3e6a8b5c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a",
          "model_group": "gpt-4o",
          "api_base": "https://api.openai.com/v1/",
          "metadata": {
            "user_api_key_hash": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
            "user_api_key_alias": "support-bot",
            "user_api_key_team_id": "0b4a5c2e-61d8-4b59-9c1f-7e3a2d4b6c8e",
            "user_api_key_team_alias": "customer-care",
            "user_api_key_org_id": null,
            "user_api_key_user_id": "u-4821",
            "user_api_key_end_user_id": null,
            "spend_logs_metadata": null,
            "requester_ip_address": "10.12.4.31",
            "requester_metadata": {},
            "applied_guardrails": [],
            "mcp_tool_call_metadata": null,
            "usage_object": {
              "completion_tokens": 300,
              "prompt_tokens": 2006,
              "total_tokens": 2306,
              "completion_tokens_details": { "accepted_prediction_tokens": 0, "audio_tokens": 0, "reasoning_tokens": 0, "rejected_prediction_tokens": 0 },
              "prompt_tokens_details": { "audio_tokens": 0, "cached_tokens": 1920 }
            }
          },
          "cache_key": null,
          "response_cost": 0.005615,
          "response_cost_failure_debug_info": null,
          "total_tokens": 2306,
          "prompt_tokens": 2006,
          "completion_tokens": 300,
          "request_tags": [],
          "end_user": "",
          "requester_ip_address": "10.12.4.31",
          "messages": [ { "role": "user", "content": "Where is my order 1182?" } ],
          "response": {
            "id": "chatcmpl-9f0c2d6e-5b7a-4c1e-8d3f-2a6b9e4c7d10",
            "created": 1764930015,
            "model": "gpt-4o-2024-08-06",
            "object": "chat.completion",
            "system_fingerprint": "fp_4691090a87",
            "choices": [ { "finish_reason": "stop", "index": 0, "message": { "content": "It left the depot this morning.", "role": "assistant", "tool_calls": null, "function_call": null } } ],
            "usage": {
              "completion_tokens": 300,
              "prompt_tokens": 2006,
              "total_tokens": 2306,
              "completion_tokens_details": { "accepted_prediction_tokens": 0, "audio_tokens": 0, "reasoning_tokens": 0, "rejected_prediction_tokens": 0 },
              "prompt_tokens_details": { "audio_tokens": 0, "cached_tokens": 1920 }
            }
          },
          "model_parameters": { "stream": true, "temperature": 0.2 },
          "hidden_params": {
            "model_id": "7c1a4e2b9d0f3e6a8b5c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a",
            "cache_key": null,
            "api_base": "https://api.openai.com/v1/",
            "response_cost": 0.005615,
            "additional_headers": { "x_ratelimit_remaining_requests": 9999, "x_ratelimit_remaining_tokens": 29997994 },
            "litellm_overhead_time_ms": 2.1,
            "batch_models": null,
            "litellm_model_name": "gpt-4o"
          },
          "model_map_information": {
            "model_map_key": "gpt-4o",
            "model_map_value": { "key": "gpt-4o", "input_cost_per_token": 2.5e-06, "cache_read_input_token_cost": 1.25e-06, "output_cost_per_token": 1e-05, "litellm_provider": "openai", "mode": "chat" }
          },
          "error_str": null,
          "error_information": { "error_code": "", "error_class": "", "llm_provider": "", "traceback": "", "error_message": "" },
          "guardrail_information": null,
          "standard_built_in_tools_params": { "web_search_options": null, "file_search": null }
        }
        """;

    /// <summary>A non-streamed Anthropic call that wrote 2,048 prompt tokens to Anthropic's cache (12 uncached input tokens).</summary>
    public const string AnthropicCacheWrite = """
        {
          "id": "chatcmpl-3b8e1f47-0c6d-4a25-b9e3-5d7f2a1c8e64",
          "trace_id": "a4f3c2b1-7d6e-4f5a-8b9c-0d1e2f3a4b5c",
          "call_type": "acompletion",
          "stream": false,
          "status": "success",
          "custom_llm_provider": "anthropic",
          "cache_hit": null,
          "saved_cache_cost": 0.0,
          "startTime": 1764931800.05,
          "endTime": 1764931804.3,
          "completionStartTime": 1764931804.3,
          "response_time": 4.25,
          "model": "claude-3-5-sonnet-20241022",
          "model_id": "b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3",
          "model_group": "claude-sonnet",
          "api_base": "https://api.anthropic.com/v1/messages",
          "metadata": {
            "user_api_key_hash": "2f9a41c0b7e85d36a1c4e7f0b3d6a9c2e5f8b1d4a7c0e3f6b9d2a5c8e1f4b7d0",
            "user_api_key_alias": "contract-review",
            "user_api_key_team_id": "e7d1c3b5-9a2f-4e68-b0c4-1f3e5a7c9b2d",
            "user_api_key_team_alias": "legal",
            "user_api_key_org_id": null,
            "user_api_key_user_id": null,
            "user_api_key_end_user_id": null,
            "spend_logs_metadata": { "traffic_class": "batch" },
            "requester_ip_address": null,
            "requester_metadata": null
          },
          "cache_key": null,
          "response_cost": 0.009966,
          "response_cost_failure_debug_info": null,
          "total_tokens": 2210,
          "prompt_tokens": 2060,
          "completion_tokens": 150,
          "request_tags": ["nightly"],
          "end_user": "",
          "requester_ip_address": null,
          "messages": [ { "role": "system", "content": [ { "type": "text", "text": "You review contracts.", "cache_control": { "type": "ephemeral" } } ] } ],
          "response": {
            "id": "chatcmpl-3b8e1f47-0c6d-4a25-b9e3-5d7f2a1c8e64",
            "created": 1764931804,
            "model": "claude-3-5-sonnet-20241022",
            "object": "chat.completion",
            "system_fingerprint": null,
            "choices": [ { "finish_reason": "stop", "index": 0, "message": { "content": "Clause 7 caps liability.", "role": "assistant", "tool_calls": null, "function_call": null } } ],
            "usage": {
              "completion_tokens": 150,
              "prompt_tokens": 2060,
              "total_tokens": 2210,
              "completion_tokens_details": null,
              "prompt_tokens_details": { "audio_tokens": null, "cached_tokens": 0, "cache_creation_tokens": 2048 },
              "cache_creation_input_tokens": 2048,
              "cache_read_input_tokens": 0
            }
          },
          "model_parameters": { "max_tokens": 1024 },
          "hidden_params": {
            "model_id": "b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3",
            "cache_key": null,
            "api_base": "https://api.anthropic.com/v1/messages",
            "response_cost": 0.009966,
            "additional_headers": {},
            "litellm_overhead_time_ms": 1.4,
            "batch_models": null,
            "litellm_model_name": "claude-3-5-sonnet-20241022"
          },
          "model_map_information": { "model_map_key": "claude-3-5-sonnet-20241022", "model_map_value": null },
          "error_str": null,
          "error_information": null
        }
        """;

    /// <summary>A call OpenAI refused with a rate limit: status failure, no usage, response_cost 0.</summary>
    public const string OpenAiRateLimited = """
        {
          "id": "6a2f8c14-3d9b-4e07-a5c1-8b7e2d0f4a63",
          "trace_id": "5e1d6c0a-8b43-4f2e-9a71-3c2d8e6f4b90",
          "call_type": "acompletion",
          "stream": false,
          "status": "failure",
          "custom_llm_provider": "openai",
          "cache_hit": null,
          "saved_cache_cost": 0.0,
          "startTime": 1764930020.5,
          "endTime": 1764930020.731,
          "completionStartTime": 1764930020.731,
          "response_time": 0.231,
          "model": "gpt-4o",
          "model_id": "7c1a4e2b9d0f3e6a8b5c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a",
          "model_group": "gpt-4o",
          "api_base": "https://api.openai.com/v1/",
          "metadata": {
            "user_api_key_hash": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
            "user_api_key_alias": "support-bot",
            "user_api_key_team_id": "0b4a5c2e-61d8-4b59-9c1f-7e3a2d4b6c8e",
            "user_api_key_team_alias": "customer-care",
            "user_api_key_org_id": null,
            "user_api_key_user_id": "u-4821",
            "user_api_key_end_user_id": null,
            "spend_logs_metadata": null,
            "requester_ip_address": "10.12.4.31",
            "requester_metadata": {}
          },
          "cache_key": null,
          "response_cost": 0.0,
          "response_cost_failure_debug_info": null,
          "total_tokens": 0,
          "prompt_tokens": 0,
          "completion_tokens": 0,
          "request_tags": [],
          "end_user": "",
          "requester_ip_address": "10.12.4.31",
          "messages": [ { "role": "user", "content": "Where is my order 1183?" } ],
          "response": {},
          "model_parameters": {},
          "hidden_params": { "model_id": null, "cache_key": null, "api_base": null, "response_cost": null, "additional_headers": null, "litellm_overhead_time_ms": null, "batch_models": null, "litellm_model_name": null },
          "model_map_information": { "model_map_key": "gpt-4o", "model_map_value": null },
          "error_str": "litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000000, Used 29998800, Requested 2006.",
          "error_information": { "error_code": "429", "error_class": "RateLimitError", "llm_provider": "openai", "traceback": "Traceback (most recent call last): ...", "error_message": "litellm.RateLimitError: RateLimitError: OpenAIException - Rate limit reached for gpt-4o" }
        }
        """;

    /// <summary>A call to a fine-tuned model LiteLLM has no price for: response_cost null, the reason in the debug info.</summary>
    public const string UnpricedFineTune = """
        {
          "id": "chatcmpl-c81d5e2a-47b0-4f39-a6d8-2e9c0b3f1a75",
          "trace_id": "0f9e8d7c-6b5a-4493-8271-6f5e4d3c2b1a",
          "call_type": "acompletion",
          "stream": false,
          "status": "success",
          "custom_llm_provider": "openai",
          "cache_hit": null,
          "saved_cache_cost": 0.0,
          "startTime": 1764933600.0,
          "endTime": 1764933601.25,
          "completionStartTime": 1764933601.25,
          "response_time": 1.25,
          "model": "ft:gpt-4o-mini-2024-07-18:acme::9XyZ1abc",
          "model_id": null,
          "model_group": "triage-ft",
          "api_base": "https://api.openai.com/v1/",
          "metadata": {
            "user_api_key_hash": "0c7b2e9f4a1d6c3b8e5f2a9d4c1b7e0f3a6d9c2b5e8f1a4d7c0b3e6f9a2d5c8b",
            "user_api_key_alias": null,
            "user_api_key_team_id": "3c5e7a9b-1d2f-4a6c-8e0b-2d4f6a8c0e1b",
            "user_api_key_team_alias": null,
            "user_api_key_org_id": null,
            "user_api_key_user_id": null,
            "user_api_key_end_user_id": null,
            "spend_logs_metadata": null,
            "requester_ip_address": null,
            "requester_metadata": null
          },
          "cache_key": null,
          "response_cost": null,
          "response_cost_failure_debug_info": {
            "error_str": "This model isn't mapped yet. model=ft:gpt-4o-mini-2024-07-18:acme::9XyZ1abc, custom_llm_provider=openai. Add it here - https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json.",
            "traceback_str": "Traceback (most recent call last): ...",
            "model": "ft:gpt-4o-mini-2024-07-18:acme::9XyZ1abc",
            "cache_hit": null,
            "custom_llm_provider": "openai",
            "base_model": null,
            "call_type": "acompletion",
            "custom_pricing": false
          },
          "total_tokens": 540,
          "prompt_tokens": 500,
          "completion_tokens": 40,
          "request_tags": [],
          "end_user": "",
          "requester_ip_address": null,
          "messages": [ { "role": "user", "content": "Classify: printer on fire" } ],
          "response": {
            "id": "chatcmpl-c81d5e2a-47b0-4f39-a6d8-2e9c0b3f1a75",
            "created": 1764933601,
            "model": "ft:gpt-4o-mini-2024-07-18:acme::9XyZ1abc",
            "object": "chat.completion",
            "choices": [ { "finish_reason": "stop", "index": 0, "message": { "content": "urgent", "role": "assistant" } } ],
            "usage": { "completion_tokens": 40, "prompt_tokens": 500, "total_tokens": 540, "completion_tokens_details": null, "prompt_tokens_details": null }
          },
          "model_parameters": {},
          "hidden_params": { "model_id": null, "cache_key": null, "api_base": "https://api.openai.com/v1/", "response_cost": null, "additional_headers": {}, "litellm_overhead_time_ms": null, "batch_models": null, "litellm_model_name": "ft:gpt-4o-mini-2024-07-18:acme::9XyZ1abc" },
          "model_map_information": { "model_map_key": "ft:gpt-4o-mini-2024-07-18:acme::9XyZ1abc", "model_map_value": null },
          "error_str": null,
          "error_information": null
        }
        """;

    /// <summary>The payload with the changes made to its JSON, as UTF-8 bytes.</summary>
    public static byte[] Edited(string payload, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(payload)!.AsObject();
        edit(node);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    }

    public static byte[] Bytes(string payload) => Encoding.UTF8.GetBytes(payload);
}
