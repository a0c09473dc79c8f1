using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TrueCost.Contracts;
using TrueCost.Contracts.Validation;
using TrueCost.Synthetic;

namespace TrueCost.IntegrationTests.BadInput;

/// <summary>One kind of bad record: the topic it is sent to, its value, and words its DLQ reason must contain.</summary>
public sealed record BadRecord(string Kind, string Topic, string Key, byte[] Value, string Reason)
{
    public SyntheticRecord ToSynthetic() => new(Topic, Key, Value, Valid: false);
}

/// <summary>
/// Bad records producers really send, on all four topics, each made from a valid synthetic record
/// with one thing wrong. A record whose id repeats with other content comes with the valid original
/// it conflicts with; the two share a Kafka key, so they reach the same partition in order.
/// </summary>
public static class BadRecordCatalogue
{
    public static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The valid records the "same id, other content" kinds conflict with; they must be stored.</summary>
    public static IReadOnlyList<SyntheticRecord> Originals { get; } = OnePerTopic("dup");

    /// <summary>One more valid record per topic, sent after everything else to show the workers still run.</summary>
    public static IReadOnlyList<SyntheticRecord> Sentinels { get; } = OnePerTopic("after");

    public static IReadOnlyList<BadRecord> All { get; } = Build();

    private static List<BadRecord> Build()
    {
        var bad = new List<BadRecord>();
        void Add(string kind, string topic, string value, string reason) =>
            bad.Add(new BadRecord(kind, topic, $"bad/{kind}", Encoding.UTF8.GetBytes(value), reason));
        void Conflict(string kind, SyntheticRecord original, string field, JsonNode changed) =>
            bad.Add(new BadRecord(kind, original.Topic, original.Key, Encoding.UTF8.GetBytes(Set(Parse(original.Value), field, changed)), "with different content: an earlier record with this id was stored and is kept"));

        // Transport and syntax.
        Add("not JSON", Topics.RequestLogs, "request 42 took 1.2s", "invalid JSON");
        Add("truncated JSON", Topics.RequestLogs, Request().ToJsonString()[..70], "invalid JSON");
        Add("empty value", Topics.Incidents, string.Empty, "empty record value");
        Add("JSON null", Topics.InvoiceLines, "null", "record is JSON null, expected an object");
        Add("array instead of object", Topics.GpuSamples, "[1,2,3]", "could not be converted to TrueCost.Contracts.GpuSamples.GpuSampleRecord");
        Add("oversize payload", Topics.RequestLogs, Set(Request(), "route", new string('r', WireJson.MaxRecordBytes)), $"over the {WireJson.MaxRecordBytes}-byte limit");
        Add("duplicate field", Topics.InvoiceLines, Raw(InvoiceLine(), "\"BillingCurrency\":\"USD\"", "\"BillingCurrency\":\"USD\",\"BillingCurrency\":\"EUR\""), "Duplicate property 'BillingCurrency'");

        // Types and required fields.
        Add("wrong type for a string", Topics.RequestLogs, Set(Request(), "tenant", 42), "at $.tenant");
        Add("money as a string", Topics.InvoiceLines, Set(InvoiceLine(), "BilledCost", "12.50"), "at $.BilledCost: expected a JSON number, got string '12.50'");
        Add("missing required field", Topics.RequestLogs, Remove(Request(), "gen_ai.request.model"), "missing required properties including: 'gen_ai.request.model'");
        Add("missing line id", Topics.InvoiceLines, Remove(InvoiceLine(), "x_LineId"), "missing required properties including: 'x_LineId'");
        Add("resolved record without incident id", Topics.Incidents, Remove(Resolved(), "incident_id"), "missing required properties including: 'incident_id'");
        Add("resolved record without timestamp", Topics.Incidents, Remove(Resolved(), "timestamp"), "missing required properties including: 'timestamp'");
        Add("responder joined without responder", Topics.Incidents, Set(Incident(), "type", "responder_joined"), "type responder_joined requires responder");

        // Numbers.
        Add("negative token count", Topics.RequestLogs, Set(Request(), "gen_ai.usage.input_tokens", -5), "gen_ai.usage.input_tokens -5 is negative");
        Add("absurd token count", Topics.RequestLogs, Set(Request(), "gen_ai.usage.output_tokens", 50_000_000_000), "gen_ai.usage.output_tokens 50000000000 is over the plausible maximum 10000000");
        Add("reasoning tokens above output tokens", Topics.RequestLogs, Set(Set(Request(), "gen_ai.usage.output_tokens", 100), "gen_ai.usage.reasoning.output_tokens", 101), "gen_ai.usage.reasoning.output_tokens 101 exceeds gen_ai.usage.output_tokens 100");
        Add("cache reads under two spellings that disagree", Topics.RequestLogs, Set(Set(Request(), "gen_ai.usage.cache_read.input_tokens", 10), "gen_ai.usage.cache_read_input_tokens", 11), "gen_ai.usage.cache_read.input_tokens 10 and gen_ai.usage.cache_read_input_tokens 11 disagree");
        Add("bare NaN", Topics.RequestLogs, Raw(Set(Request(), "latency_ms", 1234.5), "1234.5", "NaN"), "at $.latency_ms: NaN is not a JSON number");
        Add("quoted NaN", Topics.GpuSamples, Set(GpuSample(), "DCGM_FI_DEV_POWER_USAGE", "NaN"), "string 'NaN' is not a number: JSON has no NaN or Infinity");
        Add("bare -Infinity", Topics.GpuSamples, Raw(Set(GpuSample(), "DCGM_FI_DEV_FB_USED", 4321.5), "4321.5", "-Infinity"), "at $.DCGM_FI_DEV_FB_USED: -Infinity is not a JSON number");
        Add("double overflow", Topics.GpuSamples, Raw(Set(GpuSample(), "DCGM_FI_DEV_FB_FREE", 4321.5), "4321.5", "1e400"), "1e400 is outside the range of a finite double");
        Add("utilization over 100 %", Topics.GpuSamples, Set(GpuSample(), "DCGM_FI_DEV_GPU_UTIL", 140), "DCGM_FI_DEV_GPU_UTIL 140 is outside 0..100");
        Add("KV cache as a percent", Topics.GpuSamples, Set(GpuSample(), "vllm:gpu_cache_usage_perc", 91), "vllm:gpu_cache_usage_perc 91 is outside 0..1");
        Add("zero interval", Topics.GpuSamples, Set(GpuSample(), "interval_seconds", 0), "interval_seconds 0 is outside 1..3600");
        Add("decimal with too many digits", Topics.InvoiceLines, Raw(Set(InvoiceLine(), "EffectiveCost", 7.25m), "7.25", "7.2500000000000000000000000000001"), "cannot be held exactly as a decimal");
        Add("negative failed requests", Topics.Incidents, Set(Resolved(), "failed_requests", -5), "failed_requests -5 is negative");

        // Enumerations.
        Add("unknown serving mode", Topics.RequestLogs, Set(Request(), "serving_mode", "carrier_pigeon"), "serving_mode 'carrier_pigeon' is not one of api, self_hosted");
        Add("unknown status", Topics.RequestLogs, Set(Request(), "status", "maybe"), "status 'maybe' is not one of error, ok, timeout");
        Add("unknown currency", Topics.InvoiceLines, Set(InvoiceLine(), "BillingCurrency", "USS"), "BillingCurrency 'USS' is not one of AUD, BRL,");
        Add("unknown charge category", Topics.InvoiceLines, Set(InvoiceLine(), "ChargeCategory", "Refund"), "ChargeCategory 'Refund' is not one of Adjustment, Credit, Purchase, Tax, Usage");
        Add("unknown record type", Topics.Incidents, Set(Incident(), "type", "escalated"), "type 'escalated' is not one of credit_issued, impact_updated, mitigated, opened, resolved, responder_joined");
        Add("severity outside sev1..sev4", Topics.Incidents, Set(Incident(), "severity", "SEV1"), "severity 'SEV1' is not one of sev1, sev2, sev3, sev4");
        Add("credit in an unknown currency", Topics.Incidents, Set(Set(Incident(), "type", "credit_issued"), "credit", new JsonObject { ["amount"] = 50, ["currency"] = "usd" }), "credit.currency 'usd' is not one of");
        Add("column without x_ prefix", Topics.InvoiceLines, Set(InvoiceLine(), "AvailabilityZone", "us-east-1a"), "column 'AvailabilityZone' is not in the invoice-line v1 contract; provider-specific columns need the x_ prefix");
        Add("unsupported schema version", Topics.Incidents, Set(Incident(), "schema_version", 2), "schema_version 2 is not supported by this topic (expected 1)");

        // Time.
        Add("timestamp far in the future", Topics.RequestLogs, Set(Request(), "timestamp", "2099-01-01T00:00:00Z"), "is more than 1 h in the future");
        Add("timestamp before 2000", Topics.GpuSamples, Set(GpuSample(), "timestamp", "1999-12-31T23:59:00Z"), "timestamp 1999-12-31T23:59:00.0000000+00:00 is before 2000-01-01");
        Add("non-UTC timestamp", Topics.RequestLogs, Set(Request(), "timestamp", "2026-11-16T12:00:00+02:00"), "timestamp 2026-11-16T12:00:00.0000000+02:00 is not UTC (offset 02:00:00)");
        Add("timestamp without offset", Topics.GpuSamples, Set(GpuSample(), "timestamp", "2026-11-16T14:00:15"), "'2026-11-16T14:00:15' has no UTC offset");
        Add("unparseable date", Topics.Incidents, Set(Incident(), "timestamp", "16/11/2026 14:05"), "'16/11/2026 14:05' is not an RFC 3339 date-time");
        Add("no such calendar day", Topics.InvoiceLines, Set(InvoiceLine(), "ChargePeriodStart", "2026-02-30T00:00:00Z"), "'2026-02-30T00:00:00Z' is not a real date and time");
        Add("charge period end before start", Topics.InvoiceLines, Set(Set(InvoiceLine(), "ChargePeriodStart", "2026-11-16T10:00:00Z"), "ChargePeriodEnd", "2026-11-16T09:00:00Z"), "ChargePeriodEnd 2026-11-16T09:00:00Z is before ChargePeriodStart 2026-11-16T10:00:00Z");
        Add("service category outside the FOCUS list", Topics.InvoiceLines, Set(InvoiceLine(), "ServiceCategory", "Artificial Intelligence"), "ServiceCategory 'Artificial Intelligence' is not one of");
        Add("resolved with a postmortem that is no URL", Topics.Incidents, Set(Resolved(), "postmortem_url", "wiki/INC-1"), "postmortem_url 'wiki/INC-1' is not an absolute http(s) URL");

        // Legal JSON that PostgreSQL cannot store.
        Add("NUL character in a string", Topics.Incidents, Set(Incident(), "title", "Agent planning\0 latency"), "the value of 'title' holds the NUL character (\\u0000), which PostgreSQL cannot store");

        // The same id again, with other content.
        Conflict("request id repeated with other content", Originals[0], "gen_ai.usage.output_tokens", 999);
        Conflict("GPU sample repeated with other content", Originals[1], "DCGM_FI_DEV_GPU_UTIL", 12.5);
        Conflict("invoice line id repeated with other content", Originals[2], "BilledCost", 1.5m);
        Conflict("incident record id repeated with other content", Originals[3], "severity", "sev1");

        // Contradicting what an earlier record established: the account's currency, the incident's opening.
        void After(string kind, SyntheticRecord original, string value, string reason) =>
            bad.Add(new BadRecord(kind, original.Topic, original.Key, Encoding.UTF8.GetBytes(value), reason));
        After(
            "mixed currencies in one account",
            Originals[2],
            Set(Set(Parse(Originals[2].Value), "x_LineId", "eur-line"), "BillingCurrency", "EUR"),
            "mixed currencies in one account: BillingCurrency 'EUR' differs from 'USD', which billing account 'acct-001'");
        var opened = Parse(Originals[3].Value);
        var openedAt = DateTimeOffset.Parse(opened["timestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        After(
            "incident resolved before opened",
            Originals[3],
            Set(Set(Set(opened, "record_id", "resolved-early"), "type", "resolved"), "timestamp", TimestampRules.Format(openedAt.AddHours(-1))),
            $"resolved at {TimestampRules.Format(openedAt.AddHours(-1))}, before it was opened at {TimestampRules.Format(openedAt)}");
        return bad;
    }

    private static JsonObject Request() => First(new RequestLogGenerator(Day, 1, seed: 61, invalidShare: 0).Generate());

    private static JsonObject GpuSample() => First(new GpuSampleGenerator(Day, seed: 61, intervalSeconds: 600).Generate());

    private static JsonObject InvoiceLine() => First(new InvoiceLineGenerator(Day).Generate());

    private static JsonObject Incident() => First(new IncidentGenerator(Day).Generate());

    private static JsonObject Resolved() => Parse(Encoding.UTF8.GetBytes(Set(Incident(), "type", "resolved")));

    private static List<SyntheticRecord> OnePerTopic(string id) =>
    [
        WithId(Topics.RequestLogs, Request(), "request_id", $"{id}-request"),
        WithId(Topics.GpuSamples, GpuSample(), "gpu_uuid", $"GPU-{id}-sample"),
        WithId(Topics.InvoiceLines, InvoiceLine(), "x_LineId", $"{id}-line"),
        WithId(Topics.Incidents, Incident(), "record_id", $"{id}-incident-record"),
    ];

    private static SyntheticRecord WithId(string topic, JsonObject record, string idField, string id) =>
        new(topic, $"valid/{id}", Encoding.UTF8.GetBytes(Set(record, idField, id)), Valid: true);

    private static JsonObject First(IEnumerable<SyntheticRecord> records) => Parse(records.First().Value);

    private static JsonObject Parse(byte[] value) => JsonNode.Parse(value)!.AsObject();

    private static string Set(JsonObject record, string field, JsonNode? value)
    {
        record[field] = value;
        return record.ToJsonString();
    }

    private static string Set(string json, string field, JsonNode? value) => Set(Parse(Encoding.UTF8.GetBytes(json)), field, value);

    private static string Remove(JsonObject record, string field) =>
        record.Remove(field) ? record.ToJsonString() : throw new ArgumentException($"the base record has no {field}", nameof(field));

    /// <summary>Text surgery, for what no JSON writer produces (NaN, repeated fields, too many digits).</summary>
    private static string Raw(JsonObject record, string find, string replace) => Raw(record.ToJsonString(), find, replace);

    private static string Raw(string json, string find, string replace) =>
        json.Contains(find, StringComparison.Ordinal)
            ? json.Replace(find, replace, StringComparison.Ordinal)
            : throw new ArgumentException($"'{find}' is not in {json}", nameof(find));
}
