using TrueCost.Contracts.Metrics;

namespace TrueCost.UnitTests.Contracts.Metrics;

public class PrometheusTextTests
{
    private static readonly DateTimeOffset ScrapeTime = new(2026, 11, 16, 14, 0, 15, TimeSpan.Zero);

    [Fact]
    public void Dcgm_exporter_output_gives_one_point_per_sample_line_with_its_labels_and_the_scrape_time()
    {
        var result = PrometheusText.Parse(ExporterOutput.DcgmTwoH100, PrometheusTextFormat.Prometheus, ScrapeTime);

        Assert.Empty(result.Errors);
        Assert.Equal(16, result.Points.Count);
        var fbUsed = Assert.Single(result.Points, p => p.Name == "DCGM_FI_DEV_FB_USED" && p.Labels["gpu"] == "1");
        Assert.Equal(75966, fbUsed.Value);
        Assert.Equal(MetricKind.Gauge, fbUsed.Kind);
        Assert.Equal(ScrapeTime, fbUsed.Timestamp);
        Assert.Equal(ExporterOutput.Gpu1, fbUsed.Labels["UUID"]);
        Assert.Equal("NVIDIA H100 80GB HBM3", fbUsed.Labels["modelName"]);
        Assert.Equal("00000000:2A:00.0", fbUsed.Labels["pci_bus_id"]);
        Assert.Equal("550.90.07", fbUsed.Labels["DCGM_FI_DRIVER_VERSION"]);
        Assert.Equal("vllm-llama-0", fbUsed.Labels["pod"]);
        Assert.All(result.Points.Where(p => p.Name == "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"), p => Assert.Equal(MetricKind.Counter, p.Kind));
        Assert.Equal(9223372036854775794d, result.Points.First(p => p.Name == "DCGM_FI_DEV_MEMORY_TEMP").Value);
    }

    [Fact]
    public void Label_values_unescape_backslash_quote_and_newline_and_tolerate_spaces_and_a_trailing_comma()
    {
        const string text = """
            msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\"" , } 1.458255915e9
            """;

        var point = Assert.Single(PrometheusText.Parse(text, PrometheusTextFormat.Prometheus, ScrapeTime).Points);

        Assert.Equal(@"C:\DIR\FILE.TXT", point.Labels["path"]);
        Assert.Equal("Cannot find file:\n\"FILE.TXT\"", point.Labels["error"]);
        Assert.Equal(1.458255915e9, point.Value);
    }

    [Fact]
    public void NaN_and_infinities_are_values()
    {
        const string text = """
            a NaN
            b +Inf
            c -Inf
            """;

        var values = PrometheusText.Parse(text, PrometheusTextFormat.Prometheus, ScrapeTime).Points.Select(p => p.Value).ToList();

        Assert.True(double.IsNaN(values[0]));
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity], values[1..]);
    }

    [Fact]
    public void A_sample_timestamp_is_milliseconds_in_the_Prometheus_format_and_seconds_in_OpenMetrics()
    {
        var prometheus = Assert.Single(PrometheusText.Parse("http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000", PrometheusTextFormat.Prometheus, ScrapeTime).Points);
        var openMetrics = Assert.Single(PrometheusText.Parse("acme_http_router_request_seconds_sum{path=\"/api/v1\"} 324789.3 1520879607.789\n# EOF", PrometheusTextFormat.OpenMetrics, ScrapeTime).Points);

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1395066363000), prometheus.Timestamp);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1520879607789), openMetrics.Timestamp);
    }

    [Fact]
    public void OpenMetrics_counters_are_read_through_total_and_their_created_series_and_exemplars_are_dropped()
    {
        const string text = """
            # TYPE vllm:prompt_tokens counter
            # UNIT vllm:prompt_tokens tokens
            # HELP vllm:prompt_tokens Number of prefill tokens processed.
            vllm:prompt_tokens_total{model_name="qwen"} 1234.0 # {trace_id="KOO5S4vxi0o"} 17.0 1520879607.789
            vllm:prompt_tokens_created{model_name="qwen"} 1.763695852e+09
            # TYPE vllm:e2e_request_latency_seconds histogram
            vllm:e2e_request_latency_seconds_bucket{le="+Inf",model_name="qwen"} 3
            vllm:e2e_request_latency_seconds_created{model_name="qwen"} 1.763695852e+09
            # EOF
            """;

        var result = PrometheusText.Parse(text, PrometheusTextFormat.OpenMetrics, ScrapeTime);

        Assert.Empty(result.Errors);
        Assert.Collection(
            result.Points,
            p => Assert.Equal(("vllm:prompt_tokens_total", MetricKind.Counter, 1234.0), (p.Name, p.Kind, p.Value)),
            p => Assert.Equal(("vllm:e2e_request_latency_seconds_bucket", MetricKind.Other), (p.Name, p.Kind)));
    }

    [Fact]
    public void Prometheus_client_created_gauges_of_counters_are_dropped_and_histogram_lines_are_other()
    {
        var result = PrometheusText.Parse(ExporterOutput.VllmV1(3, 1, 0.42, 1000, 500), PrometheusTextFormat.Prometheus, ScrapeTime);

        Assert.Empty(result.Errors);
        Assert.DoesNotContain(result.Points, p => p.Name.EndsWith("_created", StringComparison.Ordinal));
        Assert.Equal(MetricKind.Counter, result.Points.Single(p => p.Name == "vllm:generation_tokens_total").Kind);
        Assert.All(result.Points.Where(p => p.Name.StartsWith("vllm:time_to_first_token", StringComparison.Ordinal)), p => Assert.Equal(MetricKind.Other, p.Kind));
    }

    [Fact]
    public void Malformed_lines_are_reported_with_their_line_numbers_and_the_good_lines_are_kept()
    {
        const string text = """
            # TYPE up gauge
            up{job="dcgm"} 1
            up{job="dcgm 1
            up{job=dcgm} 1
            up{job="dcgm"} one
            up{job="x\q"} 1
            9up 1
            up 1 2 3
            # EOF
            up 2
            """;

        var result = PrometheusText.Parse(text, PrometheusTextFormat.OpenMetrics, ScrapeTime);

        Assert.Single(result.Points);
        Assert.Collection(
            result.Errors,
            e => Assert.StartsWith("line 3: metric up: label job value is not closed", e),
            e => Assert.StartsWith("line 4: metric up: label job value must be in double quotes", e),
            e => Assert.StartsWith("line 5: metric up value 'one' is not a number", e),
            e => Assert.StartsWith("line 6: metric up: label job value has an invalid escape '\\q'", e),
            e => Assert.StartsWith("line 7: a sample must start with a metric name", e),
            e => Assert.StartsWith("line 8: metric up has 3 fields after its labels", e),
            e => Assert.StartsWith("line 10: content after '# EOF'", e));
    }

    [Theory]
    [InlineData("application/openmetrics-text; version=1.0.0; charset=utf-8", PrometheusTextFormat.OpenMetrics)]
    [InlineData("text/plain; version=0.0.4; charset=utf-8", PrometheusTextFormat.Prometheus)]
    [InlineData(null, PrometheusTextFormat.Prometheus)]
    public void The_format_follows_the_content_type(string? contentType, PrometheusTextFormat expected) =>
        Assert.Equal(expected, PrometheusText.FormatOf(contentType));
}
