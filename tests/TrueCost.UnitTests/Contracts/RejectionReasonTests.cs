using System.Text;
using System.Text.Json.Nodes;
using TrueCost.Contracts.Validation;

namespace TrueCost.UnitTests.Contracts;

/// <summary>
/// A DLQ reason is only useful if it names the field and the value. Each row is one kind of bad
/// record a producer has sent or will send, and the words the reason must contain.
/// </summary>
public class RejectionReasonTests
{
    private const string RequestLog = """
        {"request_id":"req-1","timestamp":"2026-11-16T10:04:12Z","route":"/chat/support","tenant":"tenant-acme",
         "gen_ai.provider.name":"openai","gen_ai.request.model":"gpt-4o-mini","gen_ai.usage.input_tokens":1184,
         "gen_ai.usage.output_tokens":231,"gen_ai.usage.cached_input_tokens":1024,"serving_mode":"api",
         "traffic_class":"interactive","status":"ok","latency_ms":1840.5,"ttft_ms":312}
        """;

    private const string GpuSample = """
        {"timestamp":"2026-11-16T14:00:15Z","interval_seconds":15,"pool":"h100-pool","node":"gpu-node-h100-03",
         "gpu_uuid":"GPU-5a1f","gpu_class":"H100","DCGM_FI_DEV_GPU_UTIL":87,"DCGM_FI_DEV_FB_USED":74210,
         "DCGM_FI_DEV_FB_FREE":7294,"vllm:gpu_cache_usage_perc":0.91}
        """;

    private const string InvoiceLine = """
        {"x_LineId":"row-412","BilledCost":98.32,"EffectiveCost":61.57,"BillingCurrency":"USD",
         "BillingPeriodStart":"2026-11-01T00:00:00Z","BillingPeriodEnd":"2026-12-01T00:00:00Z",
         "ChargePeriodStart":"2026-11-16T14:00:00Z","ChargePeriodEnd":"2026-11-16T15:00:00Z","ChargeCategory":"Usage",
         "SkuPriceDetails":{"ModelId":"gpt-4o-mini","TokenDirection":"Input"},"PricingQuantity":1,"PricingUnit":"Hours"}
        """;

    private const string Incident = """
        {"record_id":"INC-1/responder/ana","incident_id":"INC-1","type":"responder_joined","timestamp":"2026-11-16T09:20:00Z",
         "severity":"sev2","responder":{"name":"ana.lima","role":"incident_commander","hours":3.5},"failed_requests":10}
        """;

    private static readonly Dictionary<string, (string Topic, string Json, string Reason)> Cases = new()
    {
        // Transport and JSON syntax, shared by every topic.
        ["empty value"] = ("request-log", string.Empty, "empty record value"),
        ["oversize value"] = ("request-log", Set(RequestLog, "route", new string('r', WireJson.MaxRecordBytes)), "bytes, over the 65536-byte limit"),
        ["truncated JSON"] = ("request-log", RequestLog[..120], "invalid JSON"),
        ["JSON null"] = ("request-log", "null", "record is JSON null, expected an object"),
        ["array instead of object"] = ("gpu-sample", "[]", "could not be converted to TrueCost.Contracts.GpuSamples.GpuSampleRecord"),
        ["bare NaN"] = ("request-log", Raw(RequestLog, "1840.5", "NaN"), "at $.latency_ms: NaN is not a JSON number; non-finite values are not allowed"),
        ["bare -Infinity"] = ("gpu-sample", Raw(GpuSample, "74210", "-Infinity"), "at $.DCGM_FI_DEV_FB_USED: -Infinity is not a JSON number"),
        ["quoted NaN"] = ("gpu-sample", Set(GpuSample, "DCGM_FI_DEV_GPU_UTIL", "NaN"), "string 'NaN' is not a number: JSON has no NaN or Infinity"),
        ["double overflow"] = ("request-log", Raw(RequestLog, "1840.5", "1e400"), "1e400 is outside the range of a finite double"),
        ["quoted number"] = ("gpu-sample", Set(GpuSample, "interval_seconds", "15"), "at $.interval_seconds: expected a JSON number, got string '15'"),
        ["wrong type for a string"] = ("request-log", Set(RequestLog, "tenant", 42), "at $.tenant: The JSON value could not be converted to System.String"),
        ["null for a required field"] = ("gpu-sample", Set(GpuSample, "node", null), "at $.node: The property or field 'node'"),
        ["missing required field"] = ("request-log", Remove(RequestLog, "tenant"), "missing required properties including: 'tenant'"),
        ["duplicate field"] = ("request-log", Raw(RequestLog, "\"route\":\"/chat/support\"", "\"route\":\"/chat/support\",\"route\":\"/other\""), "Duplicate property 'route'"),

        // Timestamps.
        ["non-UTC offset"] = ("request-log", Set(RequestLog, "timestamp", "2026-11-16T12:04:12+02:00"), "timestamp 2026-11-16T12:04:12.0000000+02:00 is not UTC (offset 02:00:00)"),
        ["timestamp without offset"] = ("gpu-sample", Set(GpuSample, "timestamp", "2026-11-16T14:00:15"), "'2026-11-16T14:00:15' has no UTC offset"),
        ["date without time"] = ("incident", Set(Incident, "timestamp", "2026-11-16"), "'2026-11-16' is not an RFC 3339 date-time"),
        ["unparseable date"] = ("request-log", Set(RequestLog, "timestamp", "yesterday"), "'yesterday' is not an RFC 3339 date-time"),
        ["no such calendar day"] = ("incident", Set(Incident, "timestamp", "2026-02-30T09:20:00Z"), "'2026-02-30T09:20:00Z' is not a real date and time"),
        ["timestamp as a number"] = ("request-log", Set(RequestLog, "timestamp", 1763287452), "expected an RFC 3339 date-time string, got number 1763287452"),
        ["unpaired surrogate in a timestamp"] = ("gpu-sample", Raw(GpuSample, "\"2026-11-16T14:00:15Z\"", "\"\\ud800\""), "at $.timestamp: the string is not valid UTF-8 or holds an unpaired surrogate escape"),
        ["timestamp in the future"] = ("gpu-sample", Set(GpuSample, "timestamp", "2026-11-20T13:30:00Z"), "is more than 1 h in the future"),

        // Request logs.
        ["unknown serving mode"] = ("request-log", Set(RequestLog, "serving_mode", "carrier_pigeon"), "serving_mode 'carrier_pigeon' is not one of api, self_hosted"),
        ["cache tokens under two spellings that disagree"] = ("request-log", Set(RequestLog, "gen_ai.usage.cache_read.input_tokens", 2000), "gen_ai.usage.cache_read.input_tokens 2000 and gen_ai.usage.cached_input_tokens 1024 disagree; send the count once"),
        ["reasoning above output"] = ("request-log", Set(RequestLog, "gen_ai.usage.reasoning.output_tokens", 232), "gen_ai.usage.reasoning.output_tokens 232 exceeds gen_ai.usage.output_tokens 231"),
        ["no provider under either name"] = ("request-log", Remove(RequestLog, "gen_ai.provider.name"), "gen_ai.provider.name (or the older gen_ai.system) is required"),
        ["over-long identifier"] = ("request-log", Set(RequestLog, "route", new string('r', 300)), "route is 300 characters, over 256"),

        // GPU samples.
        ["utilization over 100"] = ("gpu-sample", Set(GpuSample, "DCGM_FI_DEV_GPU_UTIL", 101), "DCGM_FI_DEV_GPU_UTIL 101 is outside 0..100"),
        ["KV cache as a percent"] = ("gpu-sample", Set(GpuSample, "vllm:gpu_cache_usage_perc", 91), "vllm:gpu_cache_usage_perc 91 is outside 0..1"),
        ["sub-second interval"] = ("gpu-sample", Set(GpuSample, "interval_seconds", 0.5), "interval_seconds 0.5 is outside 1..3600"),
        ["negative framebuffer"] = ("gpu-sample", Set(GpuSample, "DCGM_FI_DEV_FB_FREE", -1), "DCGM_FI_DEV_FB_FREE -1 must be a finite, non-negative number"),
        ["blank gpu class"] = ("gpu-sample", Set(GpuSample, "gpu_class", " "), "gpu_class is missing or empty"),

        // Invoice lines.
        ["charge period ends before it starts"] = ("invoice-line", Set(Set(InvoiceLine, "ChargePeriodStart", "2026-10-02T00:00:00Z"), "ChargePeriodEnd", "2026-10-01T00:00:00Z"), "invoice line row-412: ChargePeriodEnd 2026-10-01T00:00:00Z is before ChargePeriodStart 2026-10-02T00:00:00Z"),
        ["empty charge period"] = ("invoice-line", Set(InvoiceLine, "ChargePeriodEnd", "2026-11-16T14:00:00Z"), "ChargePeriodEnd 2026-11-16T14:00:00Z equals ChargePeriodStart; the end is exclusive, so the period is empty"),
        ["charge period over a year"] = ("invoice-line", Set(InvoiceLine, "ChargePeriodStart", "2025-11-01T00:00:00Z"), "ChargePeriodStart 2025-11-01T00:00:00Z to ChargePeriodEnd 2026-11-16T15:00:00Z spans 380.6"),
        ["billing period ends before it starts"] = ("invoice-line", Set(InvoiceLine, "BillingPeriodEnd", "2026-10-01T00:00:00Z"), "BillingPeriodEnd 2026-10-01T00:00:00Z is before BillingPeriodStart 2026-11-01T00:00:00Z"),
        ["unknown currency"] = ("invoice-line", Set(InvoiceLine, "BillingCurrency", "USS"), "BillingCurrency 'USS' is not one of AUD, BRL,"),
        ["unknown charge category"] = ("invoice-line", Set(InvoiceLine, "ChargeCategory", "Refund"), "ChargeCategory 'Refund' is not one of Adjustment, Credit, Purchase, Tax, Usage"),
        ["charge class other than Correction"] = ("invoice-line", Set(InvoiceLine, "ChargeClass", "Regular"), "ChargeClass 'Regular' is not allowed; FOCUS allows only \"Correction\" or null"),
        ["unknown service category"] = ("invoice-line", Set(InvoiceLine, "ServiceCategory", "GPU Cloud"), "ServiceCategory 'GPU Cloud' is not one of"),
        ["unknown commitment discount status"] = ("invoice-line", Set(InvoiceLine, "CommitmentDiscountStatus", "Partial"), "CommitmentDiscountStatus 'Partial' is not one of Unused, Used"),
        ["decimal with too many digits"] = ("invoice-line", Raw(InvoiceLine, "98.32", "98.320000000000000000000000000001"), "98.320000000000000000000000000001 cannot be held exactly as a decimal"),
        ["decimal that would round to zero"] = ("invoice-line", Raw(InvoiceLine, "61.57", "1e-40"), "at $.EffectiveCost: 1e-40 cannot be held exactly as a decimal (it would become 0.000"),
        ["decimal out of range"] = ("invoice-line", Raw(InvoiceLine, "98.32", "1e30"), "at $.BilledCost: 1e30 is outside the range of a decimal"),
        ["missing line id"] = ("invoice-line", Remove(InvoiceLine, "x_LineId"), "missing required properties including: 'x_LineId'"),
        ["column without x_ prefix"] = ("invoice-line", Set(InvoiceLine, "AvailabilityZone", "us-east-1a"), "column 'AvailabilityZone' is not in the invoice-line v1 contract; provider-specific columns need the x_ prefix"),
        ["tag value that is an object"] = ("invoice-line", Set(InvoiceLine, "Tags", new JsonObject { ["team"] = new JsonObject { ["name"] = "ml" } }), "Tags['team'] is StartObject; FOCUS tag values are strings, numbers, booleans or null"),
        ["unknown cache action"] = ("invoice-line", Set(InvoiceLine, "SkuPriceDetails", new JsonObject { ["TokenDirection"] = "Input", ["TokenCacheAction"] = "Hit" }), "SkuPriceDetails.TokenCacheAction 'Hit' is not one of Other, Read, Uncached, Write"),

        // Incidents.
        ["unknown record type"] = ("incident", Set(Incident, "type", "escalated"), "type 'escalated' is not one of credit_issued, impact_updated, mitigated, opened, resolved, responder_joined"),
        ["responder joined without responder"] = ("incident", Remove(Incident, "responder"), "type responder_joined requires responder"),
        ["responder hours negative"] = ("incident", Set(Incident, "responder", new JsonObject { ["name"] = "ana", ["role"] = "sre", ["hours"] = -1 }), "responder.hours -1 is outside 0..168"),
        ["responder without a role"] = ("incident", Set(Incident, "responder", new JsonObject { ["name"] = "ana", ["role"] = "", ["hours"] = 1 }), "responder.role is missing or empty"),
        ["credit not positive"] = ("incident", Set(Set(Incident, "type", "credit_issued"), "credit", new JsonObject { ["amount"] = -50, ["currency"] = "USD" }), "credit.amount -50 must be positive"),
        ["credit in an unknown currency"] = ("incident", Set(Set(Incident, "type", "credit_issued"), "credit", new JsonObject { ["amount"] = 50, ["currency"] = "usd" }), "credit.currency 'usd' is not one of"),
        ["credit issued without credit"] = ("incident", Set(Incident, "type", "credit_issued"), "type credit_issued requires credit"),
        ["severity outside sev1..sev4"] = ("incident", Set(Incident, "severity", "SEV1"), "severity 'SEV1' is not one of sev1, sev2, sev3, sev4"),
        ["negative failed requests"] = ("incident", Set(Incident, "failed_requests", -5), "failed_requests -5 is negative"),
        ["unsupported schema version"] = ("incident", Set(Incident, "schema_version", 2), "schema_version 2 is not supported by this topic (expected 1)"),
    };

    public static TheoryData<string> Kinds => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_bad_record_is_rejected_with_a_reason_naming_the_field_and_value(string kind)
    {
        var (topic, json, reason) = Cases[kind];

        var parsed = WireTopic.ByName[topic].Parse(Encoding.UTF8.GetBytes(json));

        Assert.False(parsed.IsValid, $"{kind} was accepted");
        Assert.Contains(reason, parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_covers_at_least_25_kinds_across_all_four_topics()
    {
        Assert.True(Cases.Count >= 25);
        Assert.Equal(WireTopic.ByName.Keys.Order(StringComparer.Ordinal), Cases.Values.Select(c => c.Topic).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_base_records_of_the_table_are_valid()
    {
        foreach (var (topic, json) in new[] { ("request-log", RequestLog), ("gpu-sample", GpuSample), ("invoice-line", InvoiceLine), ("incident", Incident) })
        {
            var parsed = WireTopic.ByName[topic].Parse(Encoding.UTF8.GetBytes(json));
            Assert.True(parsed.IsValid, parsed.Error);
        }
    }

    [Theory]
    [InlineData("huge field name")]
    [InlineData("huge bad literal")]
    [InlineData("huge unknown enum value")]
    public void A_huge_value_does_not_make_a_huge_reason(string kind)
    {
        var huge = new string('k', 60_000);
        var json = kind switch
        {
            "huge field name" => Raw(RequestLog, "\"latency_ms\":1840.5", $"\"{huge}\":NaN"),
            "huge bad literal" => Raw(RequestLog, "1840.5", $"n{huge}"),
            _ => Set(RequestLog, "traffic_class", huge),
        };

        var parsed = WireTopic.ByName["request-log"].Parse(Encoding.UTF8.GetBytes(json));

        Assert.False(parsed.IsValid);
        Assert.InRange(parsed.Error!.Length, 1, 1024);
    }

    private static string Set(string json, string field, JsonNode? value)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node[field] = value;
        return node.ToJsonString();
    }

    private static string Remove(string json, string field)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        Assert.True(node.Remove(field), $"the base record has no {field}");
        return node.ToJsonString();
    }

    /// <summary>Text surgery, for records no JSON writer would produce (NaN, duplicates, too many digits).</summary>
    private static string Raw(string json, string find, string replace)
    {
        Assert.Contains(find, json, StringComparison.Ordinal);
        return json.Replace(find, replace, StringComparison.Ordinal);
    }
}
