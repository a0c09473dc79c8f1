using System.Text.Json.Serialization;

namespace TrueCost.Contracts.GpuSamples;

/// <summary>
/// One GPU over one scrape interval (topic <see cref="Topics.GpuSamples"/>): DCGM exporter
/// fields plus the vLLM engine gauges of the replica on that GPU.
/// </summary>
public sealed record GpuSampleRecord
{
    [JsonPropertyName("schema_version")] public int SchemaVersion { get; init; } = 1;
    [JsonPropertyName("timestamp")] public required DateTimeOffset Timestamp { get; init; }
    [JsonPropertyName("interval_seconds")] public required double IntervalSeconds { get; init; }
    [JsonPropertyName("pool")] public required string Pool { get; init; }
    [JsonPropertyName("node")] public required string Node { get; init; }
    [JsonPropertyName("gpu_uuid")] public required string GpuUuid { get; init; }
    [JsonPropertyName("gpu_class")] public required string GpuClass { get; init; }
    [JsonPropertyName("DCGM_FI_DEV_GPU_UTIL")] public required double GpuUtilPercent { get; init; }
    [JsonPropertyName("DCGM_FI_DEV_FB_USED")] public double FramebufferUsedMiB { get; init; }
    [JsonPropertyName("DCGM_FI_DEV_FB_FREE")] public double FramebufferFreeMiB { get; init; }
    [JsonPropertyName("DCGM_FI_DEV_POWER_USAGE")] public double PowerWatts { get; init; }
    [JsonPropertyName("vllm:num_requests_running")] public double RequestsRunning { get; init; }
    [JsonPropertyName("vllm:num_requests_waiting")] public double RequestsWaiting { get; init; }
    [JsonPropertyName("vllm:gpu_cache_usage_perc")] public double KvCacheUsage { get; init; }
    [JsonPropertyName("vllm:prompt_tokens")] public long PromptTokens { get; init; }
    [JsonPropertyName("vllm:generation_tokens")] public long GenerationTokens { get; init; }
}
