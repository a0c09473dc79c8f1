using TrueCost.Contracts.Validation;
using static TrueCost.Contracts.Validation.FieldRules;

namespace TrueCost.Contracts.GpuSamples;

/// <summary>Parses and validates GPU utilization samples; every rejection names the field and value.</summary>
public sealed class GpuSampleParser(TimeProvider clock) : IRecordParser<GpuSampleRecord>
{
    /// <summary>Scrape intervals run from a second to an hour; anything longer cannot be spread over hours reliably.</summary>
    public const double MinIntervalSeconds = 1;

    public const double MaxIntervalSeconds = 3600;

    public ParseResult<GpuSampleRecord> Parse(ReadOnlySpan<byte> utf8Json)
    {
        var parsed = WireJson.Deserialize<GpuSampleRecord>(utf8Json);
        if (!parsed.IsValid)
        {
            return parsed;
        }

        var r = parsed.Record!;
        var error = Check(r, clock.GetUtcNow());
        return error is null ? parsed : ParseResult<GpuSampleRecord>.Reject($"gpu sample {Clip(r.GpuUuid)} at {TimestampRules.Format(r.Timestamp)}: {error}");
    }

    /// <summary>
    /// The topic's rules on a record built in process (the metrics mapper checks what it produces with the
    /// same rules the ingest worker applies): null when valid, else the reason naming the field and value.
    /// </summary>
    public static string? Check(GpuSampleRecord r, DateTimeOffset now)
    {
        if (r.SchemaVersion != 1)
        {
            return $"schema_version {r.SchemaVersion} is not supported by this topic (expected 1)";
        }

        return Required("pool", r.Pool)
            ?? Required("node", r.Node)
            ?? Required("gpu_uuid", r.GpuUuid)
            ?? Required("gpu_class", r.GpuClass)
            ?? TimestampRules.Check("timestamp", r.Timestamp, now)
            ?? InRange("interval_seconds", r.IntervalSeconds, MinIntervalSeconds, MaxIntervalSeconds)
            // DCGM reports utilization in percent, vLLM reports KV-cache usage as a fraction despite its name.
            ?? InRange("DCGM_FI_DEV_GPU_UTIL", r.GpuUtilPercent, 0, 100)
            ?? NonNegative("DCGM_FI_DEV_FB_USED", r.FramebufferUsedMiB)
            ?? NonNegative("DCGM_FI_DEV_FB_FREE", r.FramebufferFreeMiB)
            ?? NonNegative("DCGM_FI_DEV_POWER_USAGE", r.PowerWatts)
            ?? NonNegative("vllm:num_requests_running", r.RequestsRunning)
            ?? NonNegative("vllm:num_requests_waiting", r.RequestsWaiting)
            ?? InRange("vllm:gpu_cache_usage_perc", r.KvCacheUsage, 0, 1)
            ?? NonNegative("vllm:prompt_tokens", r.PromptTokens)
            ?? NonNegative("vllm:generation_tokens", r.GenerationTokens);
    }
}
