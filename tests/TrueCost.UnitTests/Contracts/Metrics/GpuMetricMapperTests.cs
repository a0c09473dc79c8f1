using System.Text.Json;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Contracts.Metrics;
using TrueCost.Ingest.GpuSamples;

namespace TrueCost.UnitTests.Contracts.Metrics;

public class GpuMetricMapperTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 16, 14, 0, 0, TimeSpan.Zero);
    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 11, 16, 15, 0, 0, TimeSpan.Zero));

    private static GpuMetricMapper Mapper(string? defaultPool = "h100-pool") => new(new GpuMetricMapping { DefaultPool = defaultPool }, Clock);

    /// <summary>One scrape round as <c>truecost scrape</c> makes it: the node's DCGM exporter and its vLLM, each with its target's instance.</summary>
    private static List<MetricPoint> Round(DateTimeOffset at, string dcgm, string? vllm = null, string node = "gpu-node-1")
    {
        var points = PrometheusText.Parse(dcgm, PrometheusTextFormat.Prometheus, at, new Dictionary<string, string> { ["instance"] = $"{node}:9400" }).Points.ToList();
        if (vllm is not null)
        {
            points.AddRange(PrometheusText.Parse(vllm, PrometheusTextFormat.Prometheus, at.AddMilliseconds(40), new Dictionary<string, string> { ["instance"] = $"{node}:8000" }).Points);
        }

        return points;
    }

    [Fact]
    public void Two_dcgm_gpus_become_two_samples_with_the_profiling_utilization_preferred()
    {
        var result = Mapper().Map(Round(T0, ExporterOutput.DcgmTwoH100));

        Assert.Empty(result.Refusals);
        var gpu0 = result.Samples.Single(s => s.GpuUuid == ExporterOutput.Gpu0);
        Assert.Equal(61.2345, gpu0.GpuUtilPercent, 6);
        Assert.Equal(("h100-pool", "gpu-node-1", "H100", T0, 15d), (gpu0.Pool, gpu0.Node, gpu0.GpuClass, gpu0.Timestamp, gpu0.IntervalSeconds));
        Assert.Equal((75966d, 5113d, 512.348), (gpu0.FramebufferUsedMiB, gpu0.FramebufferFreeMiB, gpu0.PowerWatts));
    }

    [Fact]
    public void A_dcgm_no_data_value_is_not_a_value_so_the_gpu_falls_back_to_GPU_UTIL_and_reports_no_power()
    {
        var result = Mapper().Map(Round(T0, ExporterOutput.DcgmTwoH100));

        var gpu1 = result.Samples.Single(s => s.GpuUuid == ExporterOutput.Gpu1);
        Assert.Equal(97, gpu1.GpuUtilPercent);
        Assert.Equal(0, gpu1.PowerWatts);
        Assert.Equal(2, result.Ignored["DCGM no-data value (blank, not found, not supported or not permitted)"]);
        Assert.Equal(6, result.Ignored["metric not read"]);
    }

    [Theory]
    [InlineData(0x7ffffff0, true)]
    [InlineData(0x7ffffff3, true)]
    [InlineData(140737488355328.0, true)]
    [InlineData(140737488355331.0, true)]
    [InlineData(9223372036854775792d, true)]
    [InlineData(2147483000, false)]
    [InlineData(700, false)]
    public void Dcgm_blank_values_are_recognised(double value, bool blank) => Assert.Equal(blank, GpuMetricMapper.IsDcgmBlank(value));

    [Fact]
    public void Without_a_pool_label_or_default_pool_a_gpu_is_refused_naming_the_labels_looked_at()
    {
        var result = Mapper(defaultPool: null).Map(Round(T0, ExporterOutput.DcgmTwoH100));

        Assert.Empty(result.Samples);
        Assert.Equal(2, result.Refusals.Count);
        var refusal = result.Refusals[0];
        Assert.Contains("has no pool label (looked at truecost_pool, cloud.google.com/gke-nodepool", refusal.Reason, StringComparison.Ordinal);
        Assert.Contains("Ingest:Otlp:Metrics:DefaultPool or --pool", refusal.Reason, StringComparison.Ordinal);
        using var content = JsonDocument.Parse(refusal.Content);
        Assert.Equal("gpu-node-1", content.RootElement.GetProperty("labels").GetProperty("Hostname").GetString());
        Assert.True(content.RootElement.GetProperty("values").TryGetProperty("DCGM_FI_DEV_FB_USED", out _));
    }

    [Fact]
    public void A_kube_state_metrics_node_pool_label_names_the_pool()
    {
        var text = ExporterOutput.DcgmTwoH100.Replace("Hostname=\"gpu-node-1\"", "Hostname=\"gpu-node-1\",label_karpenter_sh_nodepool=\"h100-spot\"", StringComparison.Ordinal);

        var result = Mapper(defaultPool: null).Map(Round(T0, text));

        Assert.All(result.Samples, s => Assert.Equal("h100-spot", s.Pool));
        Assert.Equal(2, result.Samples.Count);
    }

    [Fact]
    public void Each_mig_slice_is_its_own_gpu_sharing_the_device_power_by_its_compute_slices()
    {
        var result = Mapper().Map(Round(T0, ExporterOutput.DcgmMig, node: "gpu-node-2"));

        Assert.Empty(result.Refusals);
        Assert.Collection(
            result.Samples.OrderBy(s => s.GpuUuid, StringComparer.Ordinal),
            small =>
            {
                Assert.Equal(($"{ExporterOutput.Gpu0}/mig-1g.10gb-9", "H100 1g.10gb"), (small.GpuUuid, small.GpuClass));
                Assert.Equal((25d, 9216d, 100d), (small.GpuUtilPercent, small.FramebufferUsedMiB, small.PowerWatts));
            },
            large =>
            {
                Assert.Equal(($"{ExporterOutput.Gpu0}/mig-3g.40gb-2", "H100 3g.40gb"), (large.GpuUuid, large.GpuClass));
                Assert.Equal((80d, 300d), (large.GpuUtilPercent, large.PowerWatts));
            });
    }

    [Fact]
    public void A_whole_gpu_series_of_a_mig_partitioned_gpu_gives_its_power_to_the_slices_and_is_no_sample_itself()
    {
        var wholeDevice = "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",UUID=\"" + ExporterOutput.Gpu0 + "\",modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"gpu-node-2\"} 600\n";
        var text = ExporterOutput.DcgmMig.Replace("} 400", "} 140737488355330", StringComparison.Ordinal) + "\n" + wholeDevice;

        var result = Mapper().Map(Round(T0, text, node: "gpu-node-2"));

        Assert.Equal([150d, 450d], result.Samples.OrderBy(s => s.GpuUuid, StringComparer.Ordinal).Select(s => s.PowerWatts));
        Assert.Equal(1, result.Ignored["whole-GPU series of a MIG-partitioned GPU (its power is shared among the slices)"]);
    }

    [Fact]
    public void Vllm_v1_values_are_split_over_the_nodes_gpus_and_tokens_are_increments_that_sum_exactly()
    {
        var mapper = Mapper();

        var first = mapper.Map(Round(T0, ExporterOutput.DcgmTwoH100, ExporterOutput.VllmV1(running: 5, waiting: 2, kv: 0.42, prompt: 10_000, generation: 4_000)));
        var second = mapper.Map(Round(T0.AddSeconds(15), ExporterOutput.DcgmTwoH100, ExporterOutput.VllmV1(running: 6, waiting: 0, kv: 0.57, prompt: 12_345, generation: 4_999)));

        Assert.All(first.Samples, s => Assert.Equal((0L, 0L), (s.PromptTokens, s.GenerationTokens)));
        Assert.All(first.Samples, s => Assert.Equal((2.5, 1d, 0.42), (s.RequestsRunning, s.RequestsWaiting, s.KvCacheUsage)));
        Assert.Equal(2345, second.Samples.Sum(s => s.PromptTokens));
        Assert.Equal(999, second.Samples.Sum(s => s.GenerationTokens));
        Assert.Equal([1173L, 1172L], second.Samples.OrderBy(s => s.GpuUuid, StringComparer.Ordinal).Select(s => s.PromptTokens));
        Assert.All(second.Samples, s => Assert.Equal((3d, 0.57, 15d), (s.RequestsRunning, s.KvCacheUsage, s.IntervalSeconds)));
        Assert.Equal(4, second.Ignored["histogram, summary or other metric type not read"]);
    }

    [Fact]
    public void Vllm_v0_names_and_counters_without_total_are_read()
    {
        var mapper = Mapper();
        var v0 = (double prompt) => ExporterOutput.VllmV0(running: 1, waiting: 3, kv: 0.9, prompt: prompt, generation: 50)
            .Replace("vllm:generation_tokens_total", "vllm:generation_tokens", StringComparison.Ordinal);

        mapper.Map(Round(T0, ExporterOutput.DcgmTwoH100, v0(100)));
        var second = mapper.Map(Round(T0.AddSeconds(15), ExporterOutput.DcgmTwoH100, v0(160)));

        Assert.Equal(60, second.Samples.Sum(s => s.PromptTokens));
        Assert.All(second.Samples, s => Assert.Equal((0.5, 1.5, 0.9), (s.RequestsRunning, s.RequestsWaiting, s.KvCacheUsage)));
    }

    [Fact]
    public void Otlp_points_from_the_collector_meet_dcgm_through_server_address_and_delta_tokens_count_as_is()
    {
        var labels = new Dictionary<string, string> { ["model_name"] = "qwen", ["server.address"] = "gpu-node-1", ["service.instance.id"] = "gpu-node-1:8000" };
        var points = Round(T0, ExporterOutput.DcgmTwoH100);
        points.Add(new MetricPoint("vllm:prompt_tokens", MetricKind.Delta, 901, T0.AddMilliseconds(300), labels));
        points.Add(new MetricPoint("vllm:num_requests_waiting", MetricKind.Gauge, 7, T0.AddMilliseconds(300), labels));

        var result = Mapper().Map(points);

        Assert.Equal(901, result.Samples.Sum(s => s.PromptTokens));
        Assert.All(result.Samples, s => Assert.Equal(3.5, s.RequestsWaiting));
    }

    [Fact]
    public void A_counter_that_drops_was_reset_and_its_increment_is_the_new_value()
    {
        var mapper = Mapper();

        mapper.Map(Round(T0, ExporterOutput.DcgmTwoH100, ExporterOutput.VllmV1(0, 0, 0, prompt: 90_000, generation: 9_000)));
        var afterRestart = mapper.Map(Round(T0.AddSeconds(15), ExporterOutput.DcgmTwoH100, ExporterOutput.VllmV1(0, 0, 0, prompt: 301, generation: 7)));

        Assert.Equal((301L, 7L), (afterRestart.Samples.Sum(s => s.PromptTokens), afterRestart.Samples.Sum(s => s.GenerationTokens)));
    }

    [Fact]
    public void Vllm_points_of_a_node_without_gpus_in_the_batch_are_ignored_with_that_reason()
    {
        var points = PrometheusText.Parse(ExporterOutput.VllmV1(1, 0, 0.1, 5, 5), PrometheusTextFormat.Prometheus, T0, new Dictionary<string, string> { ["instance"] = "10.0.0.7:8000" }).Points;

        var result = Mapper().Map(points);

        Assert.Empty(result.Samples);
        Assert.Equal(5, result.Ignored["vLLM points of node 10.0.0.7 with no GPU of that node in the batch (its DCGM points are missing or refused, or name the node differently)"]);
    }

    [Fact]
    public void A_sample_breaking_the_topic_rules_is_refused_with_the_parsers_reason()
    {
        var text = ExporterOutput.DcgmTwoH100.Replace("} 0.612345", "} 1.5", StringComparison.Ordinal);

        var result = Mapper().Map(Round(T0, text));

        var refusal = Assert.Single(result.Refusals);
        Assert.Contains("DCGM_FI_DEV_GPU_UTIL 150 is outside 0..100", refusal.Reason, StringComparison.Ordinal);
        Assert.Single(result.Samples);
    }

    [Fact]
    public void The_interval_is_the_time_since_the_gpus_previous_point_within_the_topic_limits()
    {
        var mapper = Mapper();

        mapper.Map(Round(T0, ExporterOutput.DcgmTwoH100));
        var near = mapper.Map(Round(T0.AddSeconds(30), ExporterOutput.DcgmTwoH100));
        var far = mapper.Map(Round(T0.AddHours(2), ExporterOutput.DcgmTwoH100));
        var repeat = mapper.Map(Round(T0.AddHours(2), ExporterOutput.DcgmTwoH100));

        Assert.All(near.Samples, s => Assert.Equal(30, s.IntervalSeconds));
        Assert.All(far.Samples, s => Assert.Equal(15, s.IntervalSeconds));
        Assert.Empty(repeat.Samples);
    }

    [Fact]
    public void Mapped_samples_as_produced_are_accepted_by_the_ingest_parser()
    {
        var mapper = Mapper();
        mapper.Map(Round(T0, ExporterOutput.DcgmTwoH100, ExporterOutput.VllmV1(5, 2, 0.42, 10_000, 4_000)));
        var samples = mapper.Map(Round(T0.AddSeconds(15), ExporterOutput.DcgmTwoH100, ExporterOutput.VllmV1(6, 0, 0.57, 12_345, 4_999))).Samples;

        var parsed = samples.Select(s => new GpuSampleParser(Clock).Parse(GpuSampleProducer.Serialize(s))).ToList();

        Assert.All(parsed, p => Assert.Null(p.Error));
        Assert.Equal(samples, parsed.Select(p => p.Record!));
    }

    [Theory]
    [InlineData("NVIDIA H100 80GB HBM3", "H100")]
    [InlineData("NVIDIA A100-SXM4-80GB", "A100")]
    [InlineData("Tesla T4", "T4")]
    [InlineData("NVIDIA L40S", "L40S")]
    [InlineData("NVIDIA GeForce RTX 4090", "RTX 4090")]
    [InlineData("NVIDIA H200", "H200")]
    public void The_gpu_class_is_the_model_family(string modelName, string expected) =>
        Assert.Equal(expected, GpuMetricMapping.GpuClassOf(modelName));

    [Theory]
    [InlineData("gpu-node-1:8000", "gpu-node-1")]
    [InlineData("[fd00::7]:9400", "fd00::7")]
    [InlineData("10.0.0.7", "10.0.0.7")]
    public void The_node_of_an_instance_is_its_host(string instance, string host) => Assert.Equal(host, GpuMetricMapper.HostOf(instance));

    [Fact]
    public void Options_refuse_an_empty_default_pool_and_an_interval_outside_the_topic_limits()
    {
        Assert.Contains("DefaultPool", Assert.Throws<InvalidOperationException>(() => new GpuMetricMapping { DefaultPool = " " }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("DefaultIntervalSeconds 0.5", Assert.Throws<InvalidOperationException>(() => new GpuMetricMapping { DefaultIntervalSeconds = 0.5 }.Validate()).Message, StringComparison.Ordinal);
        new GpuMetricMapping().Validate();
        Assert.Null(GpuSampleParser.Check(new GpuSampleRecord { Timestamp = T0, IntervalSeconds = 15, Pool = "p", Node = "n", GpuUuid = "GPU-1", GpuClass = "H100", GpuUtilPercent = 50 }, T0));
    }
}
