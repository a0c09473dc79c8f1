using System.Text.Json;
using TrueCost.Contracts;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Contracts.Validation;

namespace TrueCost.Synthetic;

/// <summary>A self-hosted GPU pool of the synthetic fleet and how hard its traffic drives it at peak.</summary>
public sealed record SyntheticPool(string Pool, string GpuClass, int Gpus, double PeakUtilPercent, double PeakKvCache, double PeakTokensPerSecond);

/// <summary>
/// Deterministic DCGM + vLLM samples for the synthetic day: utilization follows the same diurnal
/// profile as the request logs, one GPU has a reporting gap, and the H100 pool is over-provisioned.
/// </summary>
public sealed class GpuSampleGenerator(DateTimeOffset day, int seed = 42, int intervalSeconds = 60)
{
    public static readonly IReadOnlyList<SyntheticPool> Pools =
    [
        new("l40s-pool", "L40S", 4, 92, 0.97, 2_400),
        new("h100-pool", "H100", 8, 30, 0.45, 1_200),
    ];

    /// <summary>The GPU and hour whose samples are missing (a scraper outage).</summary>
    public static readonly (string GpuUuid, int Hour) Gap = ("GPU-h100-pool-03", 3);

    public IEnumerable<SyntheticRecord> Generate()
    {
        var random = new Random(seed);
        var peak = DiurnalProfile.HourWeights.Max();
        for (var t = day; t < day.AddDays(1); t = t.AddSeconds(intervalSeconds))
        {
            var load = DiurnalProfile.HourWeights[t.Hour] / peak;
            foreach (var pool in Pools)
            {
                for (var g = 0; g < pool.Gpus; g++)
                {
                    var uuid = $"GPU-{pool.Pool}-{g:00}";
                    if (uuid == Gap.GpuUuid && t.Hour == Gap.Hour && t.Minute < 40)
                    {
                        continue;
                    }

                    yield return Sample(random, t, pool, g, uuid, load);
                }
            }
        }
    }

    private SyntheticRecord Sample(Random random, DateTimeOffset t, SyntheticPool pool, int gpu, string uuid, double load)
    {
        var util = Math.Clamp((pool.PeakUtilPercent * load) + random.NextDouble() * 6 - 3, 0, 100);
        var tokens = (long)(pool.PeakTokensPerSecond * load * intervalSeconds * (0.9 + random.NextDouble() * 0.2));
        var record = new GpuSampleRecord
        {
            Timestamp = t,
            IntervalSeconds = intervalSeconds,
            Pool = pool.Pool,
            Node = $"{pool.Pool}-node-{gpu / 4}",
            GpuUuid = uuid,
            GpuClass = pool.GpuClass,
            GpuUtilPercent = Math.Round(util, 1),
            FramebufferUsedMiB = 20_000 + (40_000 * load),
            FramebufferFreeMiB = 80_000 - (40_000 * load),
            PowerWatts = 120 + (3.5 * util),
            RequestsRunning = Math.Round(24 * load),
            RequestsWaiting = Math.Round(Math.Max(0, (load - 0.8) * 40)),
            KvCacheUsage = Math.Round(Math.Min(1, pool.PeakKvCache * load), 3),
            PromptTokens = tokens * 3 / 4,
            GenerationTokens = tokens / 4,
        };
        return new SyntheticRecord(Topics.GpuSamples, uuid, JsonSerializer.SerializeToUtf8Bytes(record, WireJson.Options), Valid: true);
    }
}
