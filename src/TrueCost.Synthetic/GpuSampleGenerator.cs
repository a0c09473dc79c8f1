using System.Text.Json;
using TrueCost.Contracts;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Contracts.Validation;

namespace TrueCost.Synthetic;

/// <summary>A self-hosted GPU pool of the synthetic fleet and how hard its traffic drives it at peak.</summary>
public sealed record SyntheticPool(string Pool, string GpuClass, int Gpus, double PeakUtilPercent, double PeakKvCache, double PeakTokensPerSecond);

/// <summary>
/// Deterministic DCGM + vLLM samples over the days of a <see cref="SyntheticCalendar"/> (one UTC day by
/// default): utilization follows the same diurnal profile and day-to-day load as the request logs, one GPU
/// has a reporting gap on the last day, and the H100 pool is over-provisioned. The last day is sampled every
/// <c>intervalSeconds</c>, the days before it every <c>earlierIntervalSeconds</c> (coarser keeps weeks of
/// history small). During an injected <see cref="PoolOutage"/> the pool's GPUs sit idle.
/// </summary>
public sealed class GpuSampleGenerator(SyntheticCalendar calendar, int seed = 42, int intervalSeconds = 60, int earlierIntervalSeconds = 60, InjectedAnomalies? anomalies = null)
{
    public GpuSampleGenerator(DateTimeOffset day, int seed = 42, int intervalSeconds = 60)
        : this(SyntheticCalendar.OneDay(day), seed, intervalSeconds, intervalSeconds)
    {
    }

    public static readonly IReadOnlyList<SyntheticPool> Pools =
    [
        new("l40s-pool", "L40S", 4, 92, 0.97, 2_400),
        new("h100-pool", "H100", 8, 30, 0.45, 1_200),
    ];

    /// <summary>The GPU and hour of the last day whose samples are missing (a scraper outage).</summary>
    public static readonly (string GpuUuid, int Hour) Gap = ("GPU-h100-pool-03", 3);

    public IEnumerable<SyntheticRecord> Generate()
    {
        var random = new Random(seed);
        var peak = DiurnalProfile.HourWeights.Max();
        for (var d = 0; d < calendar.Days.Count; d++)
        {
            var day = calendar.Days[d];
            var last = d == calendar.Days.Count - 1;
            var interval = last ? intervalSeconds : earlierIntervalSeconds;
            for (var t = day; t < day.AddDays(1); t = t.AddSeconds(interval))
            {
                var load = DiurnalProfile.HourWeights[t.Hour] / peak * calendar.Load(d);
                foreach (var pool in Pools)
                {
                    var poolLoad = anomalies is not null && anomalies.PoolIsDown(pool.Pool, t) ? 0 : load;
                    for (var g = 0; g < pool.Gpus; g++)
                    {
                        var uuid = $"GPU-{pool.Pool}-{g:00}";
                        if (last && uuid == Gap.GpuUuid && t.Hour == Gap.Hour && t.Minute < 40)
                        {
                            continue;
                        }

                        yield return Sample(random, t, interval, pool, g, uuid, poolLoad);
                    }
                }
            }
        }
    }

    private static SyntheticRecord Sample(Random random, DateTimeOffset t, int interval, SyntheticPool pool, int gpu, string uuid, double load)
    {
        var util = Math.Clamp((pool.PeakUtilPercent * load) + random.NextDouble() * 6 - 3, 0, 100);
        var tokens = (long)(pool.PeakTokensPerSecond * load * interval * (0.9 + random.NextDouble() * 0.2));
        var record = new GpuSampleRecord
        {
            Timestamp = t,
            IntervalSeconds = interval,
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
