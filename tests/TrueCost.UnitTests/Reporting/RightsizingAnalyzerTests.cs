using TrueCost.Reporting.Breakeven;
using TrueCost.Reporting.Rightsizing;

namespace TrueCost.UnitTests.Reporting;

/// <summary>
/// Pools of SMALL GPUs ($1/GPU-hour invoiced, 1,000 tokens/s each when busy) and BIG ones
/// ($4, twice as fast), planned at 70% utilization. Money is scaled to 730 hours a month.
/// </summary>
public class RightsizingAnalyzerTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    private static readonly GpuCatalogue Catalogue = new(
    [
        new("SMALL", 1m, "USD", "test", new Dictionary<string, ReplicaThroughput> { [GpuCatalogue.Small] = new(1_000m, 1, "test") }),
        new("BIG", 4m, "USD", "test", new Dictionary<string, ReplicaThroughput> { [GpuCatalogue.Small] = new(2_000m, 1, "test") }),
    ]);

    private static readonly RightsizingOptions Options = new();

    [Fact]
    public void A_healthy_pool_raises_no_finding()
    {
        Assert.Empty(Analyze(Healthy()));
    }

    [Fact]
    public void Sustained_low_utilization_asks_for_the_gpus_the_p95_hour_needs()
    {
        // 8 GPUs 20% busy: 1.6 busy GPUs need ⌈1.6 / 0.7⌉ = 3; 5 GPUs × $1 × 730 h.
        var pool = Pool("SMALL", Hours(48, _ => (8, 0.20))) with { Pool = "idle-pool" };

        var finding = Single(RightsizingKind.LowUtilization, pool);

        Assert.Equal(3_650.00m, finding.MonthlyAmountAtStake);
        Assert.Equal("3", finding.Evidence["needed_gpus"]);
        Assert.Equal("5", finding.Evidence["releasable_gpus"]);
        Assert.Equal("idle-pool", finding.Pool);
    }

    [Fact]
    public void Bursty_traffic_is_reported_when_the_peak_is_far_above_the_average()
    {
        // 20 hours 10% busy, 4 hours 90%: peak/average = 0.9 / 0.2333 = 3.86. The peak would need 6 GPUs
        // but the pool keeps 4 warm; the 20 quiet hours need 1, so 3 × 20 = 60 GPU-hours idle in 24 h.
        var pool = Pool("SMALL", Hours(24, h => (4, h < 20 ? 0.10 : 0.90)));

        var finding = Single(RightsizingKind.BurstyTraffic, pool);

        Assert.Equal("3.8571", finding.Evidence["peak_to_average"]);
        Assert.Equal(("6", "4"), (finding.Evidence["peak_needed_gpus"], finding.Evidence["warm_gpus"]));
        Assert.Equal(1_825.00m, finding.MonthlyAmountAtStake);
    }

    [Fact]
    public void Off_hours_idle_schedules_a_scale_down_with_the_money_saved()
    {
        // Hours 00–05 run 5% busy on 4 GPUs where 1 would do: 3 GPUs × 6 h × 2 days = 36 GPU-hours in 48 h.
        var pool = Pool("SMALL", Hours(48, h => (4, h % 24 < 6 ? 0.05 : 0.60)));

        var finding = Single(RightsizingKind.OffHoursIdle, pool);

        Assert.Equal("00–05", finding.Evidence["off_hours_utc"]);
        Assert.Equal(547.50m, finding.MonthlyAmountAtStake);
        Assert.Equal("18", finding.Evidence["gpu_hours_saved_per_day"]);
    }

    [Fact]
    public void A_cheaper_gpu_class_that_carries_the_observed_load_is_proposed()
    {
        // 4 BIG GPUs 60% busy at 2,000 tokens/s: 17.28M tokens/h. SMALL runs at half that speed:
        // ⌈17.28M / (1,000 × 3,600 × 0.7)⌉ = 7 GPUs at $7/h against 4 BIG at $16/h.
        var pool = Pool("BIG", Hours(48, _ => (4, 0.60)), tokensPerBusyGpuSecond: 2_000, gpuHourCost: 4m);

        var finding = Single(RightsizingKind.GpuClassChange, pool);

        Assert.Equal("SMALL", finding.Evidence["proposed_gpu_class"]);
        Assert.Equal("7", finding.Evidence["proposed_gpus"]);
        Assert.Equal(6_570.00m, finding.MonthlyAmountAtStake);
    }

    [Fact]
    public void Kv_cache_pressure_above_ninety_percent_is_an_out_of_memory_risk()
    {
        var healthy = Healthy();
        var pool = healthy with { Hours = [.. healthy.Hours.Select((h, i) => i == 10 ? h with { KvCachePeak = 0.95 } : h)] };

        var finding = Single(RightsizingKind.KvCachePressure, pool);

        Assert.Equal("1", finding.Evidence["hours_above_threshold"]);
        Assert.Equal(60.83m, finding.MonthlyAmountAtStake);
    }

    [Fact]
    public void Retry_waste_is_the_retried_share_of_the_pools_cost()
    {
        // 10% of tokens retried: 10% of 48 h × $4 = 19.20 over 48 hours → 292.00 a month.
        var pool = Healthy() with { Retries = new RetryUsage(1_000_000, 100_000) };

        var finding = Single(RightsizingKind.RetryWaste, pool);

        Assert.Equal(292.00m, finding.MonthlyAmountAtStake);
        Assert.Equal("0.1", finding.Evidence["retry_share"]);
    }

    [Fact]
    public void Without_invoice_lines_the_catalogue_list_price_values_the_gpus()
    {
        var pool = Pool("SMALL", Hours(48, _ => (8, 0.20)), gpuHourCost: 0m);

        var finding = Single(RightsizingKind.LowUtilization, pool);

        Assert.Equal(3_650.00m, finding.MonthlyAmountAtStake);
        Assert.StartsWith("catalogue list price", finding.Evidence["cost_source"], StringComparison.Ordinal);
    }

    [Fact]
    public void Findings_become_messages_with_kind_subject_and_currency()
    {
        var message = Single(RightsizingKind.LowUtilization, Pool("SMALL", Hours(48, _ => (8, 0.20)))).ToMessage();

        Assert.Equal(("rightsizing.low_utilization", "pool pool-a", "USD"), (message.Kind, message.Subject, message.Currency));
    }

    private static IReadOnlyList<RightsizingFinding> Analyze(PoolProfile pool) => RightsizingAnalyzer.Analyze(pool, Catalogue, Options);

    private static RightsizingFinding Single(RightsizingKind kind, PoolProfile pool) => Assert.Single(Analyze(pool), f => f.Kind == kind);

    /// <summary>4 SMALL GPUs 65% busy around the clock for two days, KV cache at 60%, 1% retries.</summary>
    private static PoolProfile Healthy() => Pool("SMALL", Hours(48, _ => (4, 0.65)));

    private static IEnumerable<(int Index, int Gpus, double Busy)> Hours(int count, Func<int, (int Gpus, double Busy)> shape) =>
        Enumerable.Range(0, count).Select(i => (i, shape(i).Gpus, shape(i).Busy));

    private static PoolProfile Pool(string gpuClass, IEnumerable<(int Index, int Gpus, double Busy)> hours, double tokensPerBusyGpuSecond = 1_000, decimal gpuHourCost = 1m) =>
        new("pool-a", gpuClass, GpuCatalogue.Small, "USD",
            [.. hours.Select(h => new PoolHour(
                Day.AddHours(h.Index), h.Gpus, h.Gpus * 3600.0, 0, h.Busy, h.Busy * 100, 0.60, 2, 0.5,
                (long)(h.Gpus * 3600.0 * h.Busy * tokensPerBusyGpuSecond), h.Gpus * gpuHourCost))],
            new RetryUsage(1_000_000, 10_000));
}
