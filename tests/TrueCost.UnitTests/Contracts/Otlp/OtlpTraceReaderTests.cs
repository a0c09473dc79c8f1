using System.Text;
using TrueCost.Contracts.Otlp;

namespace TrueCost.UnitTests.Contracts.Otlp;

public class OtlpTraceReaderTests
{
    private const string TraceHex = "5b8efff798038103d269b633813fc60c";
    private const ulong Start = 1_544_712_660_000_000_000;
    private const ulong End = 1_544_712_661_000_000_000;

    private static readonly byte[] TraceId = Convert.FromHexString(TraceHex);

    private static byte[] SpanId(int n) => [0xEE, 0xE1, 0x9B, 0x7E, 0xC3, 0xC1, 0xB1, (byte)n];

    /// <summary>A <c>Span</c>: trace_id 1, span_id 2, name 5, kind 6, start 7, end 8, attributes 9.</summary>
    private static Proto Span(byte[] traceId, byte[] spanId, string name, ulong start = Start, ulong end = End, params Proto[] attributes)
    {
        var span = new Proto().Bytes(1, traceId).Bytes(2, spanId).String(5, name).Varint(6, 3).Fixed64(7, start).Fixed64(8, end);
        foreach (var attribute in attributes)
        {
            span.Message(9, attribute);
        }

        return span;
    }

    /// <summary>A <c>ScopeSpans</c>: scope 1 (name 1), spans 2.</summary>
    private static Proto ScopeSpans(string scope, params Proto[] spans)
    {
        var message = new Proto().Message(1, new Proto().String(1, scope));
        foreach (var span in spans)
        {
            message.Message(2, span);
        }

        return message;
    }

    private static byte[] Request(params Proto[] resourceSpans)
    {
        var request = new Proto();
        foreach (var r in resourceSpans)
        {
            request.Message(1, r);
        }

        return request.ToArray();
    }

    /// <summary>A <c>Resource</c>: attributes 1.</summary>
    private static Proto Resource(string service) => new Proto().Message(1, Proto.StringAttribute("service.name", service));

    /// <summary>A <c>ResourceSpans</c>: resource 1, scope_spans 2 (added by the caller).</summary>
    private static Proto ResourceSpans(string service) => new Proto().Message(1, Resource(service));

    [Fact]
    public void The_specification_example_decodes_with_upper_case_hex_ids_in_lower_case()
    {
        var entries = OtlpTraceReader.Read(Encoding.UTF8.GetBytes(OtlpExamples.TraceJson), OtlpEncoding.Auto);

        var span = Assert.Single(entries).Span!;
        Assert.Equal(TraceHex, span.TraceId);
        Assert.Equal("eee19b7ec3c1b174", span.SpanId);
        Assert.Equal("I'm a server span", span.Name);
        Assert.Equal(2, span.Kind);
        Assert.Equal(1_544_712_660_000_000_000, span.StartTimeUnixNano);
        Assert.Equal(new DateTimeOffset(2018, 12, 13, 14, 51, 1, TimeSpan.Zero), span.End);
        Assert.Equal("some value", span.Attributes["my.span.attr"]);
        Assert.Equal("my.service", span.Resource["service.name"]);
        Assert.Equal("my.library", span.ScopeName);
    }

    [Fact]
    public void Every_span_of_several_resources_and_scopes_carries_its_own_resource_and_scope()
    {
        // The second resource is written after its scopes: protobuf fields may come in any order.
        var body = Request(
            ResourceSpans("chat-api")
                .Message(2, ScopeSpans("openai", Span(TraceId, SpanId(1), "chat a"), Span(TraceId, SpanId(2), "chat b")))
                .Message(2, ScopeSpans("anthropic", Span(TraceId, SpanId(3), "chat c"))),
            new Proto()
                .Message(2, ScopeSpans("vllm", Span(TraceId, SpanId(4), "generate")))
                .Message(1, Resource("batch-worker")));

        var spans = OtlpTraceReader.Read(body, OtlpEncoding.OtlpProto).Select(e => e.Span!).ToList();

        Assert.Equal(["chat a", "chat b", "chat c", "generate"], spans.Select(s => s.Name));
        Assert.Equal(["openai", "openai", "anthropic", "vllm"], spans.Select(s => s.ScopeName));
        Assert.Equal(["chat-api", "chat-api", "chat-api", "batch-worker"], spans.Select(s => s.Resource["service.name"]));
        Assert.Equal("eee19b7ec3c1b104", spans[3].SpanId);
        Assert.Equal(3, spans[0].Kind);
    }

    [Fact]
    public void A_bad_span_among_good_ones_is_the_only_entry_with_an_error_and_keeps_its_own_bytes()
    {
        var bad = Span(TraceId[..15], SpanId(2), "short trace id");
        var body = Request(ResourceSpans("chat-api").Message(2, ScopeSpans("openai", Span(TraceId, SpanId(1), "good"), bad, Span(TraceId, SpanId(3), "good too"))));

        var entries = OtlpTraceReader.Read(body, OtlpEncoding.OtlpProto);

        Assert.Equal(3, entries.Count);
        Assert.NotNull(entries[0].Span);
        Assert.NotNull(entries[2].Span);
        Assert.Null(entries[1].Span);
        Assert.Equal("otlp_proto: trace id '5b8efff798038103d269b633813fc6' is 15 bytes, expected 16 (at resourceSpans[0].scopeSpans[0].spans[1])", entries[1].Error);
        Assert.Equal(bad.ToArray(), entries[1].Content.ToArray());
    }

    [Theory]
    [InlineData("00000000000000000000000000000000", "eee19b7ec3c1b174", 1, 2, "trace id is all zeros")]
    [InlineData(TraceHex, "0000000000000000", 1, 2, "span id is all zeros")]
    [InlineData(TraceHex, "eee19b7ec3c1b1", 1, 2, "span id 'eee19b7ec3c1b1' is 7 bytes, expected 8")]
    [InlineData(TraceHex, "eee19b7ec3c1b174", 2, 1, "ends at 1 ns, before it starts at 2 ns")]
    [InlineData("not hex", "eee19b7ec3c1b174", 1, 2, "traceId 'not hex' is not hex")]
    public void A_span_with_unusable_ids_or_times_is_refused_alone(string traceId, string spanId, long start, long end, string reason)
    {
        var json = $$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
              {"traceId":"{{traceId}}","spanId":"{{spanId}}","name":"bad","startTimeUnixNano":"{{start}}","endTimeUnixNano":"{{end}}"},
              {"traceId":"{{TraceHex}}","spanId":"eee19b7ec3c1b175","name":"good","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}
            """;

        var entries = OtlpTraceReader.Read(Encoding.UTF8.GetBytes(json), OtlpEncoding.OtlpJson);

        Assert.Contains(reason, entries[0].Error);
        Assert.EndsWith("(at resourceSpans[0].scopeSpans[0].spans[0])", entries[0].Error);
        Assert.StartsWith("{\"traceId\":\"", Encoding.UTF8.GetString(entries[0].Content.Span));
        Assert.EndsWith("\"endTimeUnixNano\":\"" + end + "\"}", Encoding.UTF8.GetString(entries[0].Content.Span));
        Assert.Equal("good", entries[1].Span!.Name);
    }

    [Fact]
    public void A_span_whose_own_bytes_are_broken_is_refused_alone()
    {
        // A KeyValue whose value claims 50 bytes it does not have, inside a span whose length is right.
        var brokenAttribute = new Proto().String(1, "gen_ai.system").Bytes(2, [0x0A, 50, 0x61]);
        var body = Request(ResourceSpans("chat-api").Message(2, ScopeSpans("openai", Span(TraceId, SpanId(1), "broken", attributes: brokenAttribute), Span(TraceId, SpanId(2), "good"))));

        var entries = OtlpTraceReader.Read(body, OtlpEncoding.OtlpProto);

        Assert.StartsWith("otlp_proto: length 50 at byte ", entries[0].Error);
        Assert.Contains("runs past the end of its message", entries[0].Error);
        Assert.Equal("good", entries[1].Span!.Name);
    }

    [Fact]
    public void A_truncated_message_cannot_be_read_at_all()
    {
        var body = Request(ResourceSpans("chat-api").Message(2, ScopeSpans("openai", Span(TraceId, SpanId(1), "a"), Span(TraceId, SpanId(2), "b"))));

        var e = Assert.Throws<OtlpFormatException>(() => OtlpTraceReader.Read(body.AsMemory(0, body.Length - 10), OtlpEncoding.OtlpProto));

        Assert.StartsWith("otlp_proto: length ", e.Message);
        Assert.Contains("at byte 1 runs past the end of its message at byte", e.Message);
    }

    [Fact]
    public void A_varint_cut_off_at_the_end_names_its_byte()
    {
        var e = Assert.Throws<OtlpFormatException>(() => OtlpTraceReader.Read(new byte[] { 0x0A, 0x00, 0x08, 0x96 }, OtlpEncoding.OtlpProto));

        Assert.Equal("otlp_proto: truncated varint at byte 3", e.Message);
    }

    [Fact]
    public void Unknown_fields_of_every_wire_type_are_skipped_at_every_level()
    {
        var attribute = Proto.StringAttribute("gen_ai.system", "openai").Unknowns();
        var span = Span(TraceId, SpanId(1), "chat", attributes: attribute)
            .Unknowns()
            .String(3, "vendor=state")
            .Bytes(4, SpanId(9))
            .Fixed32(16, 0x301)
            .Varint(10, 2);
        var scope = ScopeSpans("openai", span).Unknowns().String(3, "https://opentelemetry.io/schemas/1.30.0");
        var resource = Resource("chat-api").Unknowns();
        var body = new Proto().Unknowns().Message(1, new Proto().Message(1, resource).Unknowns().Message(2, scope).Varint(1000, 1)).Unknowns().ToArray();

        var decoded = Assert.Single(OtlpTraceReader.Read(body, OtlpEncoding.OtlpProto)).Span!;

        Assert.Equal("openai", decoded.Attributes["gen_ai.system"]);
        Assert.Equal("chat-api", decoded.Resource["service.name"]);
        Assert.Equal("chat", decoded.Name);
    }

    [Fact]
    public void A_genai_span_keeps_its_attributes_typed_and_its_events()
    {
        var usageEvent = new Proto()
            .Fixed64(1, Start + 500)
            .String(2, "gen_ai.choice")
            .Message(3, Proto.StringAttribute("gen_ai.response.finish_reason", "stop"));
        var span = Span(
                TraceId,
                SpanId(1),
                "chat gpt-4o-mini",
                attributes:
                [
                    Proto.StringAttribute("gen_ai.operation.name", "chat"),
                    Proto.StringAttribute("gen_ai.request.model", "gpt-4o-mini"),
                    Proto.IntAttribute("gen_ai.usage.input_tokens", 1184),
                    Proto.IntAttribute("gen_ai.usage.output_tokens", 231),
                    Proto.DoubleAttribute("gen_ai.request.temperature", 0.2),
                    Proto.KeyValue("gen_ai.response.finish_reasons", new Proto().Message(5, new Proto().Message(1, new Proto().String(1, "stop")))),
                ])
            .Message(11, usageEvent)
            .Message(15, new Proto().String(2, "rate limited").Varint(3, 2));

        var decoded = Assert.Single(OtlpTraceReader.Read(Request(ResourceSpans("chat-api").Message(2, ScopeSpans("openai", span))), OtlpEncoding.Auto)).Span!;

        Assert.Equal("gpt-4o-mini", decoded.Attributes["gen_ai.request.model"]);
        Assert.Equal(1184L, decoded.Attributes["gen_ai.usage.input_tokens"]);
        Assert.Equal(231L, decoded.Attributes["gen_ai.usage.output_tokens"]);
        Assert.Equal(0.2, decoded.Attributes["gen_ai.request.temperature"]);
        Assert.Equal(["stop"], Assert.IsAssignableFrom<IReadOnlyList<object?>>(decoded.Attributes["gen_ai.response.finish_reasons"]));
        var e = Assert.Single(decoded.Events);
        Assert.Equal("gen_ai.choice", e.Name);
        Assert.Equal((long)Start + 500, e.TimeUnixNano);
        Assert.Equal("stop", e.Attributes["gen_ai.response.finish_reason"]);
        Assert.Equal(OtlpSpan.StatusError, decoded.StatusCode);
        Assert.Equal("rate limited", decoded.StatusMessage);
    }

    [Fact]
    public void Json_accepts_int64_as_string_or_number_snake_case_names_and_enum_names()
    {
        const string json = """
            {"resource_spans":[{"scope_spans":[{"scope":{"name":"openai"},"spans":[{
              "trace_id":"5B8EFFF798038103D269B633813FC60C","span_id":"EEE19B7EC3C1B174","name":"chat",
              "kind":"SPAN_KIND_CLIENT","start_time_unix_nano":1544712660000000000,"endTimeUnixNano":"1544712661000000000",
              "status":{"code":"STATUS_CODE_ERROR","message":"boom"},"droppedAttributesCount":0,"somethingNew":{"x":1},
              "attributes":[
                {"key":"gen_ai.usage.input_tokens","value":{"intValue":"1184"}},
                {"key":"gen_ai.usage.output_tokens","value":{"intValue":231}},
                {"key":"gen_ai.request.temperature","value":{"doubleValue":0.5}},
                {"key":"stream","value":{"boolValue":true}},
                {"key":"blob","value":{"bytesValue":"AQID"}},
                {"key":"empty","value":{}},
                {"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"2"}]}}},
                {"key":"nested","value":{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}}}],
              "events":[{"timeUnixNano":"1544712660500000000","name":"gen_ai.content.prompt","attributes":[]}]}]}]}]}
            """;

        var span = Assert.Single(OtlpTraceReader.Read(Encoding.UTF8.GetBytes("  \n" + json), OtlpEncoding.Auto)).Span!;

        Assert.Equal(TraceHex, span.TraceId);
        Assert.Equal(3, span.Kind);
        Assert.Equal(2, span.StatusCode);
        Assert.Equal("boom", span.StatusMessage);
        Assert.Equal(1184L, span.Attributes["gen_ai.usage.input_tokens"]);
        Assert.Equal(231L, span.Attributes["gen_ai.usage.output_tokens"]);
        Assert.Equal(0.5, span.Attributes["gen_ai.request.temperature"]);
        Assert.Equal(true, span.Attributes["stream"]);
        Assert.Equal(new byte[] { 1, 2, 3 }, span.Attributes["blob"]);
        Assert.Null(span.Attributes["empty"]);
        Assert.Equal(["a", 2L], Assert.IsAssignableFrom<IReadOnlyList<object?>>(span.Attributes["tags"]));
        Assert.Equal("v", Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(span.Attributes["nested"])["k"]);
        Assert.Equal("gen_ai.content.prompt", Assert.Single(span.Events).Name);
        Assert.Equal("openai", span.ScopeName);
        Assert.Empty(span.Resource);
    }

    [Fact]
    public void A_bad_attribute_value_names_the_attribute()
    {
        const string json = """
            {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
              "attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"many"}}]}]}]}]}
            """;

        var entry = Assert.Single(OtlpTraceReader.Read(Encoding.UTF8.GetBytes(json), OtlpEncoding.OtlpJson));

        Assert.Equal(
            "otlp_json: span attributes 'gen_ai.usage.input_tokens' is the string 'many', expected a whole number (a decimal string or a JSON number) (at resourceSpans[0].scopeSpans[0].spans[0])",
            entry.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("{\"resourceSpans\":[]}")]
    public void An_empty_message_has_no_entries(string body) =>
        Assert.Empty(OtlpTraceReader.Read(Encoding.UTF8.GetBytes(body), OtlpEncoding.Auto));

    [Theory]
    [InlineData("{\"resourceSpans\":[", "otlp_json: invalid JSON at line 1")]
    [InlineData("{\"resourceSpans\":{}}", "otlp_json: resourceSpans is an object, expected an array")]
    [InlineData("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":7}]}]}", "otlp_json: resourceSpans[0].scopeSpans[0].spans is 7, expected an array")]
    public void Json_that_is_not_an_export_request_cannot_be_read(string body, string reason)
    {
        var e = Assert.Throws<OtlpFormatException>(() => OtlpTraceReader.Read(Encoding.UTF8.GetBytes(body), OtlpEncoding.Auto));

        Assert.StartsWith(reason, e.Message);
    }
}
