using System.Globalization;
using TrueCost.Reporting.Breakeven;

namespace TrueCost.Reporting.Rightsizing;

/// <summary>
/// Rightsizing findings for one GPU pool from its hourly rows. Pure. GPU needs are counted in busy
/// GPU-seconds (busy share × GPU-seconds): an hour with B busy GPU-seconds needs B / (3600 × target)
/// GPUs, rounded up to whole replicas. Money is the pool's own cost per GPU-hour (its invoice
/// lines), or the catalogue's list price when no invoice covers the pool, scaled to 730 hours a month.
/// </summary>
public static class RightsizingAnalyzer
{
    private const double SecondsPerHour = 3600;

    public static IReadOnlyList<RightsizingFinding> Analyze(PoolProfile pool, GpuCatalogue catalogue, RightsizingOptions options)
    {
        options.Validate();
        var hours = pool.Hours.Where(h => h.Gpus > 0 && h.GpuSeconds > 0).OrderBy(h => h.Hour).ToList();
        if (hours.Count == 0)
        {
            return [];
        }

        var facts = new PoolFacts(pool, hours, catalogue, options);
        RightsizingFinding?[] findings =
        [
            LowUtilization(facts),
            Bursty(facts),
            OffHours(facts),
            ClassChange(facts, catalogue),
            KvCache(facts),
            RetryWaste(facts),
        ];
        return [.. findings.OfType<RightsizingFinding>()];
    }

    private static RightsizingFinding? LowUtilization(PoolFacts f)
    {
        var p95 = TrafficProfile.NearestRank(f.Hours.Select(h => h.BusyGpuSeconds), 0.95);
        var needed = f.GpusFor(p95);
        if (needed >= f.ProvisionedGpus)
        {
            return null;
        }

        var released = f.ProvisionedGpus - needed;
        return f.Finding(
            RightsizingKind.LowUtilization,
            Text($"{f.Pool.Pool}: in 95% of hours at most {p95 / SecondsPerHour:N1} of its {f.ProvisionedGpus} {f.Pool.GpuClass} GPUs are busy; {needed} GPUs carry that at {f.Options.TargetUtilization:P0} utilization, so {released} can go"),
            released * f.GpuHourCost * BreakevenCalculator.HoursPerMonth,
            new()
            {
                ["provisioned_gpus"] = Num(f.ProvisionedGpus),
                ["p95_busy_gpus"] = Num(p95 / SecondsPerHour),
                ["mean_busy_share"] = Num(f.MeanBusyShare),
                ["needed_gpus"] = Num(needed),
                ["releasable_gpus"] = Num(released),
            });
    }

    private static RightsizingFinding? Bursty(PoolFacts f)
    {
        var busy = f.Hours.Select(h => h.BusyGpuSeconds).ToList();
        var mean = busy.Average();
        var peak = busy.Max();
        if (mean <= 0 || peak / mean <= f.Options.BurstPeakToAverage)
        {
            return null;
        }

        // Capacity held for the peak is what the pool keeps, or what the peak needs if that is less.
        var peakNeed = f.GpusFor(peak);
        var warm = Math.Min(peakNeed, f.ProvisionedGpus);
        var idleWarmGpuHours = busy.Sum(b => Math.Max(0, warm - f.GpusFor(b)));
        if (idleWarmGpuHours <= 0)
        {
            return null;
        }

        return f.Finding(
            RightsizingKind.BurstyTraffic,
            Text($"{f.Pool.Pool}: the peak hour is {peak / mean:N1}× the average; {warm} GPU(s) kept warm for it stand idle {idleWarmGpuHours:N0} GPU-hours over {f.Hours.Count} hours. Serve bursts from an API or scale replicas on demand"),
            idleWarmGpuHours * f.GpuHourCost * f.MonthlyFactor,
            new()
            {
                ["peak_to_average"] = Num(peak / mean),
                ["peak_busy_gpus"] = Num(peak / SecondsPerHour),
                ["mean_busy_gpus"] = Num(mean / SecondsPerHour),
                ["peak_needed_gpus"] = Num(peakNeed),
                ["warm_gpus"] = Num(warm),
                ["idle_warm_gpu_hours"] = Num(idleWarmGpuHours),
                ["threshold"] = Num(f.Options.BurstPeakToAverage),
            });
    }

    private static RightsizingFinding? OffHours(PoolFacts f)
    {
        var byHourOfDay = f.Hours.GroupBy(h => h.Hour.UtcDateTime.Hour)
            .Select(g => (HourOfDay: g.Key, BusyShare: g.Sum(h => h.BusyGpuSeconds) / g.Sum(h => h.GpuSeconds), Keep: f.GpusFor(g.Max(h => h.BusyGpuSeconds))))
            .Where(x => x.BusyShare < f.Options.OffHoursBusyShare)
            .ToDictionary(x => x.HourOfDay);
        if (byHourOfDay.Count < f.Options.MinimumOffHours)
        {
            return null;
        }

        var offRows = f.Hours.Where(h => byHourOfDay.ContainsKey(h.Hour.UtcDateTime.Hour)).ToList();
        var savedGpuHours = offRows.Sum(h => Math.Max(0, h.Gpus - byHourOfDay[h.Hour.UtcDateTime.Hour].Keep));
        if (savedGpuHours == 0)
        {
            return null;
        }

        var days = Math.Max(1, f.Hours.Select(h => h.Hour.UtcDateTime.Date).Distinct().Count());
        var busyShare = offRows.Sum(h => h.BusyGpuSeconds) / offRows.Sum(h => h.GpuSeconds);
        var keep = byHourOfDay.Values.Max(x => x.Keep);
        return f.Finding(
            RightsizingKind.OffHoursIdle,
            Text($"{f.Pool.Pool}: {byHourOfDay.Count} hours of the day (UTC {Ranges(byHourOfDay.Keys)}) run {busyShare:P0} busy; scaling down to {keep} GPU(s) then saves {(double)savedGpuHours / days:N0} GPU-hours a day"),
            savedGpuHours * f.GpuHourCost * f.MonthlyFactor,
            new()
            {
                ["off_hours_utc"] = Ranges(byHourOfDay.Keys),
                ["off_hours_busy_share"] = Num(busyShare),
                ["gpus_kept_off_hours"] = Num(keep),
                ["gpu_hours_saved_per_day"] = Num((double)savedGpuHours / days),
                ["threshold"] = Num(f.Options.OffHoursBusyShare),
            });
    }

    /// <summary>
    /// Another class is judged by the pool's own measured throughput scaled by the catalogue's ratio
    /// between the classes, so the pool's real batch sizes and prompt mix carry over.
    /// </summary>
    private static RightsizingFinding? ClassChange(PoolFacts f, GpuCatalogue catalogue)
    {
        var size = f.Pool.ModelSizeClass;
        var busy = f.Hours.Sum(h => h.BusyGpuSeconds);
        var tokens = f.Hours.Sum(h => (double)h.Tokens);
        if (size is null || catalogue.Find(f.Pool.GpuClass)?.Throughput.GetValueOrDefault(size) is not { } current || busy <= 0 || tokens <= 0)
        {
            return null;
        }

        var perBusyGpuSecond = tokens / busy;
        var p95Tokens = TrafficProfile.NearestRank(f.Hours.Select(h => (double)h.Tokens), 0.95);
        var currentGpus = f.GpusFor(p95Tokens / perBusyGpuSecond);
        var currentHourly = currentGpus * f.GpuHourCost;
        var best = catalogue.Offers
            .Where(o => !o.GpuClass.Equals(f.Pool.GpuClass, StringComparison.OrdinalIgnoreCase) && o.Currency == f.Pool.Currency && o.Throughput.ContainsKey(size))
            .Select(o =>
            {
                var t = o.Throughput[size];
                var speed = perBusyGpuSecond * (double)(t.TokensPerSecondPerGpu / current.TokensPerSecondPerGpu);
                var gpus = WholeReplicas(p95Tokens / (speed * SecondsPerHour * f.Options.TargetUtilization), t.GpusPerReplica);
                return (Offer: o, Gpus: gpus, Hourly: gpus * o.HourlyRatePerGpu);
            })
            .OrderBy(x => x.Hourly)
            .FirstOrDefault();
        if (best.Offer is null || best.Hourly >= currentHourly * (decimal)(1 - f.Options.MinimumClassSavingsShare))
        {
            return null;
        }

        return f.Finding(
            RightsizingKind.GpuClassChange,
            Text($"{f.Pool.Pool}: its p95 load ({p95Tokens / SecondsPerHour:N0} tokens/s) fits {best.Gpus} {best.Offer.GpuClass} GPUs at {best.Hourly:N2} {f.Pool.Currency}/h instead of {currentGpus} {f.Pool.GpuClass} GPUs at {currentHourly:N2}/h"),
            (currentHourly - best.Hourly) * BreakevenCalculator.HoursPerMonth,
            new()
            {
                ["model_size_class"] = size,
                ["p95_tokens_per_second"] = Num(p95Tokens / SecondsPerHour),
                ["observed_tokens_per_busy_gpu_second"] = Num(perBusyGpuSecond),
                ["current_gpus_needed"] = Num(currentGpus),
                ["current_hourly"] = Num(currentHourly),
                ["proposed_gpu_class"] = best.Offer.GpuClass,
                ["proposed_gpus"] = Num(best.Gpus),
                ["proposed_hourly"] = Num(best.Hourly),
                ["proposed_price_source"] = best.Offer.PriceSource,
            });
    }

    private static RightsizingFinding? KvCache(PoolFacts f)
    {
        var pressured = f.Hours.Where(h => h.KvCachePeak > f.Options.KvCachePressure).ToList();
        if (pressured.Count == 0)
        {
            return null;
        }

        var peak = pressured.Max(h => h.KvCachePeak!.Value);
        return f.Finding(
            RightsizingKind.KvCachePressure,
            Text($"{f.Pool.Pool}: KV cache peaked at {peak:P0} in {pressured.Count} of {f.Hours.Count} hours (above {f.Options.KvCachePressure:P0}); requests there risk preemption and out-of-memory failures — add a replica for those hours or lower max-num-seqs"),
            pressured.Sum(f.HourCost) * f.MonthlyFactor,
            new()
            {
                ["kv_cache_peak"] = Num(peak),
                ["hours_above_threshold"] = Num(pressured.Count),
                ["queue_depth_peak"] = Num(pressured.Max(h => h.QueueDepthPeak ?? 0)),
                ["threshold"] = Num(f.Options.KvCachePressure),
            });
    }

    private static RightsizingFinding? RetryWaste(PoolFacts f)
    {
        var share = f.Pool.Retries.Share;
        if (f.Pool.Retries.Tokens == 0 || share <= f.Options.RetryWasteShare)
        {
            return null;
        }

        return f.Finding(
            RightsizingKind.RetryWaste,
            Text($"{f.Pool.Pool}: {share:P1} of its tokens were retries of failed requests — GPU time spent repeating work"),
            f.Hours.Sum(f.HourCost) * f.MonthlyFactor * (decimal)share,
            new()
            {
                ["retry_tokens"] = Num(f.Pool.Retries.RetryTokens),
                ["tokens"] = Num(f.Pool.Retries.Tokens),
                ["retry_share"] = Num(share),
                ["threshold"] = Num(f.Options.RetryWasteShare),
            });
    }

    private static int WholeReplicas(double gpus, int gpusPerReplica) =>
        Math.Max(1, CostCurve.WholeUnitsFor((decimal)gpus / gpusPerReplica)) * gpusPerReplica;

    /// <summary>"0,1,2,3,22,23" → "00–03, 22–23".</summary>
    private static string Ranges(IEnumerable<int> hours)
    {
        var parts = new List<string>();
        foreach (var run in hours.Order().Aggregate(new List<List<int>>(), (runs, h) =>
                 {
                     if (runs.Count > 0 && runs[^1][^1] == h - 1)
                     {
                         runs[^1].Add(h);
                     }
                     else
                     {
                         runs.Add([h]);
                     }

                     return runs;
                 }))
        {
            parts.Add(run.Count == 1 ? $"{run[0]:00}" : $"{run[0]:00}–{run[^1]:00}");
        }

        return string.Join(", ", parts);
    }

    private static string Text(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Num(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Num(decimal v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>The figures every rule needs, derived once per pool.</summary>
    private sealed class PoolFacts
    {
        public PoolFacts(PoolProfile pool, IReadOnlyList<PoolHour> hours, GpuCatalogue catalogue, RightsizingOptions options)
        {
            Pool = pool;
            Hours = hours;
            Options = options;
            var offer = catalogue.Find(pool.GpuClass);
            GpusPerReplica = pool.ModelSizeClass is { } size && offer?.Throughput.GetValueOrDefault(size) is { } t ? t.GpusPerReplica : 1;
            ProvisionedGpus = hours.Select(h => h.Gpus).Order().ElementAt(hours.Count / 2);
            MeanBusyShare = hours.Sum(h => h.BusyGpuSeconds) / hours.Sum(h => h.GpuSeconds);
            var invoiced = hours.Sum(h => h.Cost);
            FromInvoices = invoiced > 0;
            GpuHourCost = FromInvoices
                ? invoiced / hours.Sum(h => h.Gpus)
                : offer is not null && offer.Currency == pool.Currency ? offer.HourlyRatePerGpu : 0m;
            CostSource = FromInvoices ? "pool invoice lines" : GpuHourCost > 0 ? $"catalogue list price ({offer!.PriceSource})" : "none (no invoice lines, class not in the catalogue)";
            MonthlyFactor = BreakevenCalculator.HoursPerMonth / hours.Count;
        }

        public PoolProfile Pool { get; }

        public IReadOnlyList<PoolHour> Hours { get; }

        public RightsizingOptions Options { get; }

        public int GpusPerReplica { get; }

        /// <summary>The median hour's GPU count: what the pool normally keeps provisioned.</summary>
        public int ProvisionedGpus { get; }

        public double MeanBusyShare { get; }

        public bool FromInvoices { get; }

        public decimal GpuHourCost { get; }

        public string CostSource { get; }

        /// <summary>Scales an amount over the observed hours to a 730-hour month.</summary>
        public decimal MonthlyFactor { get; }

        public decimal HourCost(PoolHour h) => FromInvoices ? h.Cost : h.Gpus * GpuHourCost;

        /// <summary>GPUs (whole replicas, one at least) that run the busy GPU-seconds at the target utilization.</summary>
        public int GpusFor(double busyGpuSeconds) => WholeReplicas(busyGpuSeconds / (SecondsPerHour * Options.TargetUtilization), GpusPerReplica);

        public RightsizingFinding Finding(RightsizingKind kind, string summary, decimal monthly, Dictionary<string, string> evidence)
        {
            evidence["gpu_class"] = Pool.GpuClass;
            evidence["gpus_per_replica"] = Num(GpusPerReplica);
            evidence["target_utilization"] = Num(Options.TargetUtilization);
            evidence["gpu_hour_cost"] = Num(Math.Round(GpuHourCost, 4));
            evidence["cost_source"] = CostSource;
            evidence["hours_observed"] = Num(Hours.Count);
            return new(kind, Pool.Pool, summary, Math.Round(monthly, 2, MidpointRounding.ToEven), Pool.Currency, evidence);
        }
    }
}
