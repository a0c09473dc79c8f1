using System.Text;
using TrueCost.Contracts.Metrics;
using TrueCost.Contracts.Otlp;

namespace TrueCost.UnitTests.Contracts.Otlp;

public class OtlpMetricsReaderTests
{
    private const ulong Time = 1_544_712_660_300_000_000;
    private static readonly DateTimeOffset Timestamp = new(2018, 12, 13, 14, 51, 0, 300, TimeSpan.Zero);

    /// <summary>A <c>NumberDataPoint</c>: attributes 7, start 2, time 3, as_double 4, as_int 6, flags 8.</summary>
    private static Proto NumberPoint(Func<Proto, Proto> value, params Proto[] attributes)
    {
        var point = value(new Proto().Fixed64(2, Time - 1_000).Fixed64(3, Time));
        foreach (var attribute in attributes)
        {
            point.Message(7, attribute);
        }

        return point;
    }

    /// <summary>A <c>Metric</c>: name 1, and the data message under its oneof field number.</summary>
    private static Proto Metric(string name, int dataField, Proto data) => new Proto().String(1, name).String(3, "1").Message(dataField, data);

    private static Proto Points(params Proto[] points)
    {
        var data = new Proto();
        foreach (var point in points)
        {
            data.Message(1, point);
        }

        return data;
    }

    /// <summary>An <c>ExportMetricsServiceRequest</c> of one resource and one scope.</summary>
    private static byte[] Request(Proto resource, params Proto[] metrics)
    {
        var scope = new Proto().Message(1, new Proto().String(1, "vllm"));
        foreach (var metric in metrics)
        {
            scope.Message(2, metric);
        }

        return new Proto().Message(1, new Proto().Message(1, resource).Message(2, scope)).ToArray();
    }

    private static Proto Resource(params Proto[] attributes)
    {
        var resource = new Proto();
        foreach (var attribute in attributes)
        {
            resource.Message(1, attribute);
        }

        return resource;
    }

    [Fact]
    public void The_specification_example_decodes_one_entry_per_point()
    {
        var points = OtlpMetricsReader.Read(Encoding.UTF8.GetBytes(OtlpExamples.MetricsJson), OtlpEncoding.Auto).Select(e => e.Point!).ToList();

        Assert.Equal(["my.counter", "my.gauge", "my.histogram", "my.exponential.histogram"], points.Select(p => p.Name));
        // The example's counter is a monotonic sum of delta temporality (aggregationTemporality 1).
        Assert.Equal([MetricKind.Delta, MetricKind.Gauge, MetricKind.Other, MetricKind.Other], points.Select(p => p.Kind));
        Assert.Equal([5d, 10d, 2d, 10d], points.Select(p => p.Value));
        Assert.All(points, p => Assert.Equal(Timestamp, p.Timestamp));
        Assert.All(points, p => Assert.Equal("my.service", p.Labels["service.name"]));
        Assert.Equal("some value", points[0].Labels["my.counter.attr"]);
        Assert.Equal("some value", points[3].Labels["my.exponential.histogram.attr"]);
    }

    [Fact]
    public void Gauges_sums_and_histograms_map_to_their_kinds_from_protobuf()
    {
        var body = Request(
            Resource(Proto.StringAttribute("service.name", "vllm")),
            Metric("vllm:gpu_cache_usage_perc", 5, Points(NumberPoint(p => p.Double(4, 0.91)))),
            Metric("vllm:prompt_tokens_total", 7, Points(NumberPoint(p => p.SFixed64(6, 1184))).Varint(2, 2).Varint(3, 1)),
            Metric("gen_ai.client.token.usage", 7, Points(NumberPoint(p => p.SFixed64(6, 231))).Varint(2, 1).Varint(3, 1)),
            Metric("vllm:num_requests_running", 7, Points(NumberPoint(p => p.SFixed64(6, -2))).Varint(2, 2)),
            Metric("vllm:e2e_request_latency_seconds", 9, Points(new Proto().Fixed64(3, Time).Fixed64(4, 3).Double(5, 4.5).Message(9, Proto.StringAttribute("model", "llama")))),
            Metric("latency", 10, Points(new Proto().Message(1, Proto.StringAttribute("model", "llama")).Fixed64(3, Time).Double(5, 7.25))),
            Metric("latency.summary", 11, Points(new Proto().Fixed64(3, Time).Fixed64(4, 2))));

        var points = OtlpMetricsReader.Read(body, OtlpEncoding.OtlpProto).Select(e => e.Point!).ToList();

        Assert.Equal(
            [MetricKind.Gauge, MetricKind.Counter, MetricKind.Delta, MetricKind.Gauge, MetricKind.Other, MetricKind.Other, MetricKind.Other],
            points.Select(p => p.Kind));
        Assert.Equal([0.91, 1184, 231, -2, 4.5, 7.25, 0], points.Select(p => p.Value));
        Assert.Equal("llama", points[4].Labels["model"]);
        Assert.Equal("llama", points[5].Labels["model"]);
        Assert.All(points, p => Assert.Equal(Timestamp, p.Timestamp));
    }

    [Fact]
    public void A_point_without_a_recorded_value_is_refused_alone()
    {
        var flagged = NumberPoint(p => p.Double(4, 1).Varint(8, 1));
        var empty = NumberPoint(p => p);
        var body = Request(Resource(), Metric("vllm:num_requests_waiting", 5, Points(flagged, NumberPoint(p => p.SFixed64(6, 4)), empty)));

        var entries = OtlpMetricsReader.Read(body, OtlpEncoding.OtlpProto);

        Assert.Equal(
            "otlp_proto: metric 'vllm:num_requests_waiting': no recorded value (flags 1 has FLAG_NO_RECORDED_VALUE) (at resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0])",
            entries[0].Error);
        Assert.Equal(flagged.ToArray(), entries[0].Content.ToArray());
        Assert.Equal(4, entries[1].Point!.Value);
        Assert.Contains("no recorded value (neither as_double nor as_int is set)", entries[2].Error);
    }

    [Fact]
    public void A_point_attribute_wins_over_a_resource_attribute_and_values_render_invariantly()
    {
        var resource = Resource(Proto.StringAttribute("gpu", "resource-gpu"), Proto.StringAttribute("pool", "h100-pool"));
        var point = NumberPoint(
            p => p.Double(4, 87),
            Proto.StringAttribute("gpu", "GPU-5a1f"),
            Proto.IntAttribute("index", -3),
            Proto.DoubleAttribute("ratio", 0.1),
            Proto.KeyValue("mig", new Proto().Varint(2, 1)));

        var labels = Assert.Single(OtlpMetricsReader.Read(Request(resource, Metric("DCGM_FI_DEV_GPU_UTIL", 5, Points(point))), OtlpEncoding.OtlpProto)).Point!.Labels;

        Assert.Equal("GPU-5a1f", labels["gpu"]);
        Assert.Equal("h100-pool", labels["pool"]);
        Assert.Equal("-3", labels["index"]);
        Assert.Equal("0.1", labels["ratio"]);
        Assert.Equal("true", labels["mig"]);
    }

    [Fact]
    public void Json_points_read_as_int_as_double_flags_and_snake_case()
    {
        const string json = """
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"gpu","value":{"stringValue":"from-resource"}}]},
              "scopeMetrics":[{"metrics":[
                {"name":"vllm:prompt_tokens_total","sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","is_monotonic":true,
                  "dataPoints":[{"asInt":"1184","timeUnixNano":"1544712660300000000","attributes":[{"key":"gpu","value":{"stringValue":"GPU-1"}}]},
                                {"as_int":7,"time_unix_nano":1544712660300000000},
                                {"asDouble":"NaN","timeUnixNano":"1544712660300000000","flags":1}]}},
                {"name":"queue","sum":{"dataPoints":[{"asInt":"1","timeUnixNano":"1544712660300000000"}]}}]}]}]}
            """;

        var entries = OtlpMetricsReader.Read(Encoding.UTF8.GetBytes(json), OtlpEncoding.OtlpJson);

        Assert.Equal(MetricKind.Counter, entries[0].Point!.Kind);
        Assert.Equal(1184, entries[0].Point!.Value);
        Assert.Equal("GPU-1", entries[0].Point!.Labels["gpu"]);
        Assert.Equal(7, entries[1].Point!.Value);
        Assert.Equal("from-resource", entries[1].Point!.Labels["gpu"]);
        Assert.Contains("FLAG_NO_RECORDED_VALUE", entries[2].Error);
        Assert.Equal(
            "otlp_json: metric 'queue': sum has aggregation temporality 0, expected 1 (delta) or 2 (cumulative) (at resourceMetrics[0].scopeMetrics[0].metrics[1].sum.dataPoints[0])",
            entries[3].Error);
    }

    [Fact]
    public void Unknown_fields_are_skipped_and_a_truncated_message_throws()
    {
        var body = Request(
            Resource(Proto.StringAttribute("pool", "a")).Unknowns(),
            Metric("up", 5, Points(NumberPoint(p => p.Double(4, 1).Unknowns())).Unknowns()).Unknowns().Message(12, Proto.StringAttribute("meta", "x")));

        Assert.Equal(1, Assert.Single(OtlpMetricsReader.Read(body, OtlpEncoding.OtlpProto)).Point!.Value);
        var e = Assert.Throws<OtlpFormatException>(() => OtlpMetricsReader.Read(body.AsMemory(0, body.Length - 3), OtlpEncoding.OtlpProto));
        Assert.StartsWith("otlp_proto: ", e.Message);
    }
}
