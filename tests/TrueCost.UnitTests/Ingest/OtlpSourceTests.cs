using System.Text;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ingest.Otlp;
using TrueCost.Ingest.Pipeline;
using TrueCost.UnitTests.Contracts;
using TrueCost.UnitTests.Contracts.Otlp;

namespace TrueCost.UnitTests.Ingest;

/// <summary>
/// What one OTLP Kafka message becomes in the ingest pipeline: one piece per span or GPU sample, each
/// accepted, refused with its own bytes, or ignored; and the same samples again when a failed batch is re-read.
/// </summary>
public class OtlpSourceTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 16, 10, 4, 12, TimeSpan.Zero);
    private static readonly IngestOptions Options = new() { BootstrapServers = "unused:9092" };
    private static readonly byte[] TraceId = Convert.FromHexString("5B8EFFF798038103D269B633813FC60C");

    [Fact]
    public void A_message_of_spans_gives_one_piece_per_span_and_a_refused_span_carries_its_own_bytes()
    {
        var chat = Span(0xEE, "chat gpt-4o", 3, Proto.StringAttribute("gen_ai.system", "openai"), Proto.StringAttribute("gen_ai.request.model", "gpt-4o"),
            Proto.IntAttribute("gen_ai.usage.input_tokens", 1200), Proto.IntAttribute("gen_ai.usage.output_tokens", 300));
        var http = Span(0xEF, "POST /v1/answer", 2, Proto.StringAttribute("http.route", "/v1/answer"));
        var negative = Span(0xF0, "chat gpt-4o", 3, Proto.StringAttribute("gen_ai.system", "openai"), Proto.StringAttribute("gen_ai.request.model", "gpt-4o"),
            Proto.IntAttribute("gen_ai.usage.input_tokens", -5), Proto.IntAttribute("gen_ai.usage.output_tokens", 3));
        var message = Request(chat, http, negative);

        var pieces = Read(new OtlpSpanSource(new FixedClock(Start.AddHours(1)), Options), message);

        Assert.Equal(3, pieces.Count);
        var record = Assert.Single(pieces, p => p.Record is not null).Record!;
        Assert.Equal("5b8efff798038103d269b633813fc60c:00000000000000ee", record.RequestId);
        Assert.Equal(("chat-api", "acme", 1200L, 300L), (record.Route, record.Tenant, record.InputTokensWithCache, record.OutputTokens));
        Assert.Single(pieces, p => p.Ignored is not null);
        var refused = Assert.Single(pieces, p => p.Refusal is not null);
        Assert.Contains("gen_ai.usage.input_tokens -5 is negative", refused.Refusal, StringComparison.Ordinal);
        Assert.Equal(negative.ToArray(), refused.Content.ToArray());
    }

    [Fact]
    public void The_same_span_as_protobuf_and_as_json_is_the_same_record_with_the_same_content()
    {
        var source = new OtlpSpanSource(new FixedClock(Start.AddHours(1)), Options);
        var proto = Read(source, Request(Span(0xEE, "chat gpt-4o", 3, Proto.StringAttribute("gen_ai.provider.name", "openai"),
            Proto.StringAttribute("gen_ai.request.model", "gpt-4o"), Proto.IntAttribute("gen_ai.usage.input_tokens", 1200), Proto.IntAttribute("gen_ai.usage.output_tokens", 300))));
        var nanos = (Start - DateTimeOffset.UnixEpoch).Ticks * 100;
        var json = Encoding.UTF8.GetBytes($$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"chat-api"}},{"key":"tenant.id","value":{"stringValue":"acme"}}]},
            "scopeSpans":[{"scope":{"name":"opentelemetry.instrumentation.openai_v2"},"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"00000000000000EE",
            "name":"chat gpt-4o","kind":3,"startTimeUnixNano":"{{{nanos}}}","endTimeUnixNano":"{{{nanos + 1_500_000_000}}}",
            "attributes":[{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
            {"key":"gen_ai.usage.input_tokens","value":{"intValue":"1200"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":300}}]}]}]}]}
            """);

        var fromJson = Read(source, json);

        Assert.Equal(Assert.Single(proto).Record, Assert.Single(fromJson).Record);
        Assert.Equal(proto[0].Content.ToArray(), fromJson[0].Content.ToArray());
    }

    [Fact]
    public void A_message_that_is_not_an_otlp_export_is_refused_whole()
    {
        var message = Encoding.UTF8.GetBytes("""{"request_id":"r-1","route":"/chat"}""");

        var piece = Assert.Single(Read(new OtlpSpanSource(TimeProvider.System, Options), message));

        Assert.StartsWith("not an OTLP trace export", piece.Refusal, StringComparison.Ordinal);
        Assert.Equal(message, piece.Content.ToArray());
    }

    [Fact]
    public void A_metrics_message_read_again_gives_the_same_samples_and_its_copy_counts_as_already_mapped()
    {
        var at = (Start - DateTimeOffset.UnixEpoch).Ticks * 100;
        var message = Encoding.UTF8.GetBytes($$$"""
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"dcgm"}},{"key":"server.address","value":{"stringValue":"gpu-node-1"}}]},
            "scopeMetrics":[{"scope":{"name":"github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver"},"metrics":[
            {"name":"DCGM_FI_DEV_GPU_UTIL","description":"GPU utilization (in %).","gauge":{"dataPoints":[{"attributes":[{"key":"gpu","value":{"stringValue":"0"}},
            {"key":"UUID","value":{"stringValue":"GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52"}},{"key":"modelName","value":{"stringValue":"NVIDIA H100 80GB HBM3"}},
            {"key":"Hostname","value":{"stringValue":"gpu-node-1"}},{"key":"truecost_pool","value":{"stringValue":"h100-pool"}}],"timeUnixNano":"{{{at}}}","asDouble":73}]}}]}]}]}
            """);
        var source = new OtlpMetricSource(new FixedClock(Start.AddMinutes(5)), Options);

        var first = Read(source, message);
        var retried = Read(source, message);
        var copy = Read(source, [.. message]);

        var sample = Assert.Single(first).Record!;
        Assert.Equal(("h100-pool", "gpu-node-1", 73d), (sample.Pool, sample.Node, sample.GpuUtilPercent));
        Assert.Equal(first, retried);
        Assert.Contains("already mapped", Assert.Single(copy).Ignored, StringComparison.Ordinal);
    }

    private static List<SourceRecord<RequestLogRecord>> Read(OtlpSpanSource source, byte[] message)
    {
        var into = new List<SourceRecord<RequestLogRecord>>();
        source.Read(message, into);
        return into;
    }

    private static List<SourceRecord<GpuSampleRecord>> Read(OtlpMetricSource source, byte[] message)
    {
        var into = new List<SourceRecord<GpuSampleRecord>>();
        source.Read(message, into);
        return into;
    }

    private static Proto Span(byte spanId, string name, int kind, params Proto[] attributes)
    {
        var start = (ulong)((Start - DateTimeOffset.UnixEpoch).Ticks * 100);
        var span = new Proto().Bytes(1, TraceId).Bytes(2, [0, 0, 0, 0, 0, 0, 0, spanId]).String(5, name).Varint(6, (ulong)kind)
            .Fixed64(7, start).Fixed64(8, start + 1_500_000_000);
        foreach (var attribute in attributes)
        {
            span.Message(9, attribute);
        }

        return span;
    }

    private static byte[] Request(params Proto[] spans)
    {
        var scope = new Proto().Message(1, new Proto().String(1, "opentelemetry.instrumentation.openai_v2"));
        foreach (var span in spans)
        {
            scope.Message(2, span);
        }

        var resource = new Proto()
            .Message(1, Proto.StringAttribute("service.name", "chat-api"))
            .Message(1, Proto.StringAttribute("tenant.id", "acme"));
        return new Proto().Message(1, new Proto().Message(1, resource).Message(2, scope)).ToArray();
    }
}
