using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Marten;
using TrueCost.Contracts;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Ledger.RequestLogs;
using TrueCost.Ledger.Storage;
using TrueCost.UnitTests.Contracts.Otlp;

namespace TrueCost.IntegrationTests.Otlp;

/// <summary>
/// The OpenTelemetry Collector's Kafka exporter feeding the span topic: one <c>ExportTraceServiceRequest</c> per
/// message, in <c>otlp_proto</c> (its default) and <c>otlp_json</c>, read by the ingest worker with encoding
/// <c>auto</c>. Spans are shaped like the GenAI instrumentations' (attributes of the OpenTelemetry GenAI semantic
/// conventions, ids and times as opentelemetry-proto's examples/trace.json writes them in JSON), beside the HTTP
/// spans of the same traces, which are not model calls.
/// </summary>
[Collection("infrastructure")]
public class OtlpKafkaIngestTests(InfrastructureFixture infra)
{
    private const int SpanServer = 2;
    private const int SpanClient = 3;
    private const string ChatTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string SupportTrace = "0af7651916cd43dd8448eb211c80319c";
    private const string RagTrace = "5b8efff798038103d269b633813fc60c";
    private const string NegativeSpan = "b7ad6b7169203331";
    private const string TenantlessSpan = "86f2c1b0de7a4593";

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private static readonly DateTimeOffset T0 = new(2026, 11, 16, 9, 30, 0, TimeSpan.Zero);

    /// <summary>
    /// The chat service's trace (openai-v2 instrumentation, default mode: <c>gen_ai.system</c>): its server span,
    /// two chat calls, and a call whose exporter wrote a negative output count. Tenant and service on the resource.
    /// </summary>
    private static readonly Export ChatApi = new(
        [new("service.name", "chat-api"), new("tenant.id", "acme"), new("telemetry.sdk.language", "python")],
        "opentelemetry.instrumentation.openai_v2",
        [
            new(ChatTrace, "00f067aa0ba902b7", "POST /v1/assist", SpanServer, 0, 2_400,
            [
                new("http.request.method", "POST"), new("http.route", "/v1/assist"), new("url.scheme", "https"),
                new("http.response.status_code", 200L),
            ]),
            new(ChatTrace, "5fb397be34d26b51", "chat gpt-4o-mini", SpanClient, 50, 1_262,
            [
                new("gen_ai.operation.name", "chat"), new("gen_ai.system", "openai"), new("gen_ai.request.model", "gpt-4o-mini"),
                new("gen_ai.response.model", "gpt-4o-mini-2024-07-18"), new("gen_ai.response.id", "chatcmpl-AZ3k9x1QpP0m7w2"),
                new("gen_ai.usage.input_tokens", 1210L), new("gen_ai.usage.output_tokens", 187L),
                new("server.address", "api.openai.com"), new("server.port", 443L),
            ]),
            new(ChatTrace, "7a085853722dc6d2", "chat gpt-4o-mini", SpanClient, 1_300, 2_350,
            [
                new("gen_ai.operation.name", "chat"), new("gen_ai.system", "openai"), new("gen_ai.request.model", "gpt-4o-mini"),
                new("gen_ai.response.model", "gpt-4o-mini-2024-07-18"), new("gen_ai.usage.input_tokens", 2048L),
                new("gen_ai.usage.output_tokens", 96L), new("server.address", "api.openai.com"),
            ]),
            new(ChatTrace, NegativeSpan, "chat gpt-4o", SpanClient, 2_360, 2_395,
            [
                new("gen_ai.operation.name", "chat"), new("gen_ai.system", "openai"), new("gen_ai.request.model", "gpt-4o"),
                new("gen_ai.usage.input_tokens", 640L), new("gen_ai.usage.output_tokens", -3L),
            ]),
        ]);

    /// <summary>
    /// The support bot's trace (current conventions: <c>gen_ai.provider.name</c>): tenants on the spans, one span
    /// that names none, and the HTTP client span of one call.
    /// </summary>
    private static readonly Export SupportBot = new(
        [new("service.name", "support-bot"), new("telemetry.sdk.name", "opentelemetry")],
        "opentelemetry.instrumentation.anthropic",
        [
            new(SupportTrace, "b9c7c989f97918e1", "chat claude-sonnet-4-5", SpanClient, 10_000, 14_815,
            [
                new("gen_ai.operation.name", "chat"), new("gen_ai.provider.name", "anthropic"),
                new("gen_ai.request.model", "claude-sonnet-4-5"), new("gen_ai.response.model", "claude-sonnet-4-5-20250929"),
                new("gen_ai.usage.input_tokens", 3150L), new("gen_ai.usage.output_tokens", 412L), new("tenant.id", "globex"),
            ]),
            new(SupportTrace, "e457b5a2e4d86bd1", "chat claude-sonnet-4-5", SpanClient, 15_000, 18_233,
            [
                new("gen_ai.operation.name", "chat"), new("gen_ai.provider.name", "anthropic"),
                new("gen_ai.request.model", "claude-sonnet-4-5"), new("gen_ai.usage.input_tokens", 2890L),
                new("gen_ai.usage.output_tokens", 355L), new("tenant.id", "initech"),
            ]),
            new(SupportTrace, TenantlessSpan, "chat claude-sonnet-4-5", SpanClient, 19_000, 20_100,
            [
                new("gen_ai.operation.name", "chat"), new("gen_ai.provider.name", "anthropic"),
                new("gen_ai.request.model", "claude-sonnet-4-5"), new("gen_ai.usage.input_tokens", 900L),
                new("gen_ai.usage.output_tokens", 40L),
            ]),
            new(SupportTrace, "0b9a8c7d6e5f4a3b", "POST", SpanClient, 15_010, 18_200,
            [
                new("http.request.method", "POST"), new("url.full", "https://api.anthropic.com/v1/messages"),
                new("server.address", "api.anthropic.com"), new("http.response.status_code", 200L),
            ]),
        ]);

    /// <summary>A worker's export whose first span has a 15-byte trace id (a broken SDK), then a good embeddings call.</summary>
    private static readonly Export RagWorker = new(
        [new("service.name", "rag-worker"), new("tenant.id", "acme")],
        "opentelemetry.instrumentation.openai_v2",
        [
            new(RagTrace[..30], "eee19b7ec3c1b174", "embeddings text-embedding-3-small", SpanClient, 30_000, 30_140,
            [
                new("gen_ai.operation.name", "embeddings"), new("gen_ai.system", "openai"),
                new("gen_ai.request.model", "text-embedding-3-small"), new("gen_ai.usage.input_tokens", 77L),
            ]),
            new(RagTrace, "eee19b7ec3c1b175", "embeddings text-embedding-3-small", SpanClient, 30_200, 30_318,
            [
                new("gen_ai.operation.name", "embeddings"), new("gen_ai.system", "openai"),
                new("gen_ai.request.model", "text-embedding-3-small"), new("gen_ai.usage.input_tokens", 512L),
            ]),
        ]);

    /// <summary>A message written with the exporter's <c>zipkin_json</c> encoding: a JSON array of Zipkin v2 spans, not OTLP.</summary>
    private const string ZipkinJson = """
        [{"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a2fb4a1d1a96d312","kind":"CLIENT","name":"chat gpt-4o-mini","timestamp":1763285400050000,"duration":1212000,"localEndpoint":{"serviceName":"chat-api"},"tags":{"gen_ai.system":"openai","gen_ai.request.model":"gpt-4o-mini","gen_ai.usage.input_tokens":"1210","gen_ai.usage.output_tokens":"187"}}]
        """;

    [Fact]
    public async Task Proto_and_json_exports_store_every_good_genai_span_once_and_dead_letter_every_bad_one_with_its_reason()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var topic = pipeline.Ingest.TopicFor(pipeline.Ingest.Otlp.SpansTopic);
        var chatProto = ChatApi.ToProto();
        var supportJson = Encoding.UTF8.GetBytes(SupportBot.ToJson(upperCaseIds: false));
        var truncated = chatProto[..(chatProto.Length * 2 / 3)];
        var messages = new (string Key, byte[] Value)[]
        {
            (ChatTrace, chatProto),
            (SupportTrace, supportJson),
            (RagTrace, RagWorker.ToProto()),
            // A retried export: the chat trace again, re-encoded as JSON with upper-case hex ids as in the specification's example.
            (ChatTrace, Encoding.UTF8.GetBytes(ChatApi.ToJson(upperCaseIds: true))),
            // The same message produced twice.
            (SupportTrace, supportJson),
            ("463ac35c9f6413ad48485a3953bb6124", Encoding.UTF8.GetBytes(ZipkinJson)),
            (ChatTrace, truncated),
        };
        var host = await pipeline.StartHostAsync(projections: false);

        await ProduceAsync(pipeline, topic, messages);
        var counters = PipelineUnderTest.Counters(host, topic);

        // 7 messages hold 20 entries: 5 good spans stored, 4 resent ones duplicates, 4 HTTP spans ignored,
        // 5 bad spans and 2 unreadable messages dead-lettered.
        await Eventually.TrueAsync(() => counters.Processed >= 20, Patience, () => $"processed {counters.Processed} of 20");
        Assert.Equal((5, 4, 4, 7), (counters.Stored, counters.Duplicates, counters.Ignored, counters.DeadLettered));

        var expected = new[]
        {
            new Stored($"{ChatTrace}:5fb397be34d26b51", "acme", "chat-api", 1210, 187, T0.AddMilliseconds(50), 1_212),
            new Stored($"{ChatTrace}:7a085853722dc6d2", "acme", "chat-api", 2048, 96, T0.AddMilliseconds(1_300), 1_050),
            new Stored($"{SupportTrace}:b9c7c989f97918e1", "globex", "support-bot", 3150, 412, T0.AddMilliseconds(10_000), 4_815),
            new Stored($"{SupportTrace}:e457b5a2e4d86bd1", "initech", "support-bot", 2890, 355, T0.AddMilliseconds(15_000), 3_233),
            new Stored($"{RagTrace}:eee19b7ec3c1b175", "acme", "rag-worker", 512, 0, T0.AddMilliseconds(30_200), 118),
        };
        Assert.Equal(StoredIds.Of(expected.Select(e => e.RequestId)), await pipeline.StoredRequestIdsAsync());
        Assert.Equal(expected.OrderBy(e => e.RequestId, StringComparer.Ordinal), await StoredRequestsAsync(pipeline));

        var dead = pipeline.ReadDeadLetters(pipeline.Ingest.Otlp.SpansTopic, 7, Patience);
        Assert.Equal(7, dead.Count);
        Assert.All(dead, d => Assert.Equal(topic, Header(d, DeadLetterHeaders.SourceTopic)));

        var negative = dead.Where(d => Header(d, DeadLetterHeaders.Reason).Contains($"span {ChatTrace}/{NegativeSpan}: gen_ai.usage.output_tokens -3 is negative", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, negative.Count);
        var negativeAsJson = Assert.Single(negative, d => d.Message.Value.StartsWith('{'));
        Assert.Equal(NegativeSpan.ToUpperInvariant(), JsonDocument.Parse(negativeAsJson.Message.Value).RootElement.GetProperty("spanId").GetString());

        var tenantless = dead.Where(d => Header(d, DeadLetterHeaders.Reason) ==
            $"span {SupportTrace}/{TenantlessSpan}: no tenant: none of truecost.tenant, tenant.id, traceloop.association.properties.tenant_id on the span or its resource").ToList();
        Assert.Equal(2, tenantless.Count);
        Assert.All(tenantless, d => Assert.Equal(TenantlessSpan, JsonDocument.Parse(d.Message.Value).RootElement.GetProperty("spanId").GetString()));

        var shortTraceId = Assert.Single(dead, d => Header(d, DeadLetterHeaders.Reason).Contains($"trace id '{RagTrace[..30]}' is 15 bytes, expected 16", StringComparison.Ordinal));
        Assert.Equal(RagTrace, shortTraceId.Message.Key);
        Assert.NotEmpty(shortTraceId.Message.Value);

        var unreadable = dead.Where(d => Header(d, DeadLetterHeaders.Reason).StartsWith("not an OTLP trace export: otlp_proto: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, unreadable.Count);
        Assert.Contains(ZipkinJson, unreadable.Select(d => d.Message.Value));
        // The reader decodes values as UTF-8, as Confluent's string deserializer does: equal bytes decode equal.
        Assert.Contains(Encoding.UTF8.GetString(truncated), unreadable.Select(d => d.Message.Value));
        Assert.Contains(unreadable, d => Header(d, DeadLetterHeaders.Reason).Contains("runs past the end of its message", StringComparison.Ordinal)
            && d.Message.Key == ChatTrace);
    }

    private static async Task ProduceAsync(PipelineUnderTest pipeline, string topic, IEnumerable<(string Key, byte[] Value)> messages)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = pipeline.Infra.Kafka.BootstrapServers, Acks = Acks.All }).Build();
        foreach (var (key, value) in messages)
        {
            var delivery = await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value });
            Assert.Equal(PersistenceStatus.Persisted, delivery.Status);
        }
    }

    private static async Task<List<Stored>> StoredRequestsAsync(PipelineUnderTest pipeline)
    {
        using var store = LedgerStore.CreateStore(pipeline.Postgres, pipeline.Ledger);
        await using var session = store.QuerySession();
        var batches = await session.Events.QueryRawEventDataOnly<RequestsRecorded>().ToListAsync();
        return [.. batches.SelectMany(b => b.Requests)
            .Select(r => new Stored(r.RequestId, r.Tenant, r.Route, r.InputTokens, r.OutputTokens, r.Timestamp, r.LatencyMs))
            .OrderBy(r => r.RequestId, StringComparer.Ordinal)];
    }

    private static string Header(ConsumeResult<string, string> d, string name) => Encoding.UTF8.GetString(d.Message.Headers.GetLastBytes(name));

    private sealed record Stored(string RequestId, string Tenant, string Route, long InputTokens, long OutputTokens, DateTimeOffset Timestamp, double LatencyMs);

    /// <summary>An attribute: a string or an integer (<c>AnyValue</c> string_value 1 or int_value 3).</summary>
    private sealed record Attr(string Key, object Value);

    /// <summary>A span; times are milliseconds after <see cref="T0"/>; ids are hex, written as bytes in protobuf.</summary>
    private sealed record SpanSpec(string TraceId, string SpanId, string Name, int Kind, int StartMs, int EndMs, IReadOnlyList<Attr> Attributes)
    {
        public ulong StartNanos => Nanos(StartMs);

        public ulong EndNanos => Nanos(EndMs);

        private static ulong Nanos(int ms) => (ulong)(T0.AddMilliseconds(ms) - DateTimeOffset.UnixEpoch).Ticks * 100;
    }

    /// <summary>One <c>ExportTraceServiceRequest</c> with one resource and one instrumentation scope.</summary>
    private sealed record Export(IReadOnlyList<Attr> Resource, string Scope, IReadOnlyList<SpanSpec> Spans)
    {
        /// <summary>
        /// Request: resource_spans 1. ResourceSpans: resource 1 (attributes 1), scope_spans 2. ScopeSpans: scope 1
        /// (name 1, version 2), spans 2. Span: trace_id 1, span_id 2, name 5, kind 6, start 7, end 8, attributes 9, status 15.
        /// </summary>
        public byte[] ToProto()
        {
            var scopeSpans = new Proto().Message(1, new Proto().String(1, Scope).String(2, "0.52b1"));
            foreach (var s in Spans)
            {
                var span = new Proto().Bytes(1, Convert.FromHexString(s.TraceId)).Bytes(2, Convert.FromHexString(s.SpanId)).String(5, s.Name)
                    .Varint(6, (ulong)s.Kind).Fixed64(7, s.StartNanos).Fixed64(8, s.EndNanos);
                foreach (var a in s.Attributes)
                {
                    span.Message(9, ProtoAttribute(a));
                }

                scopeSpans.Message(2, span.Message(15, new Proto()));
            }

            var resource = new Proto();
            foreach (var a in Resource)
            {
                resource.Message(1, ProtoAttribute(a));
            }

            return new Proto().Message(1, new Proto().Message(1, resource).Message(2, scopeSpans)).ToArray();
        }

        /// <summary>The OTLP JSON encoding: lowerCamelCase, hex ids, 64-bit integers as decimal strings.</summary>
        public string ToJson(bool upperCaseIds)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteStartArray("resourceSpans");
                w.WriteStartObject();
                w.WriteStartObject("resource");
                JsonAttributes(w, Resource);
                w.WriteEndObject();
                w.WriteStartArray("scopeSpans");
                w.WriteStartObject();
                w.WriteStartObject("scope");
                w.WriteString("name", Scope);
                w.WriteString("version", "0.52b1");
                w.WriteEndObject();
                w.WriteStartArray("spans");
                foreach (var s in Spans)
                {
                    w.WriteStartObject();
                    w.WriteString("traceId", upperCaseIds ? s.TraceId.ToUpperInvariant() : s.TraceId);
                    w.WriteString("spanId", upperCaseIds ? s.SpanId.ToUpperInvariant() : s.SpanId);
                    w.WriteString("name", s.Name);
                    w.WriteNumber("kind", s.Kind);
                    w.WriteString("startTimeUnixNano", s.StartNanos.ToString(CultureInfo.InvariantCulture));
                    w.WriteString("endTimeUnixNano", s.EndNanos.ToString(CultureInfo.InvariantCulture));
                    JsonAttributes(w, s.Attributes);
                    w.WriteStartObject("status");
                    w.WriteEndObject();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
            }

            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        private static Proto ProtoAttribute(Attr a) =>
            a.Value is long n ? Proto.IntAttribute(a.Key, n) : Proto.StringAttribute(a.Key, (string)a.Value);

        private static void JsonAttributes(Utf8JsonWriter w, IReadOnlyList<Attr> attributes)
        {
            w.WriteStartArray("attributes");
            foreach (var a in attributes)
            {
                w.WriteStartObject();
                w.WriteString("key", a.Key);
                w.WriteStartObject("value");
                if (a.Value is long n)
                {
                    w.WriteString("intValue", n.ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    w.WriteString("stringValue", (string)a.Value);
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }
    }
}
