using TrueCost.Reporting.Breakeven;

namespace TrueCost.UnitTests.Reporting;

/// <summary>
/// A replica of $2/h serving 1,000 tokens/s, planned at 50% utilization: 1.8M tokens per hour.
/// With 30% overhead it costs 2 × 730 × 1.3 = 1,898 a month; engineering adds 1,000.
/// </summary>
public class BreakevenCalculatorTests
{
    private static readonly ReplicaChoice Replica = new("TEST", 2m, 1_000m, 1, "USD");
    private static readonly ApiPrice FivePerMillion = new(5m, 5m, "USD");
    private static readonly BreakevenAssumptions Assumptions = new() { UtilizationTarget = 0.5m, OpsOverhead = 0.30m, EngineeringMonthly = 1_000m, DeploymentCost = 21_020m };

    [Fact]
    public void Low_volume_stays_on_the_api()
    {
        var result = BreakevenCalculator.Calculate(TrafficProfile.Flat(10_000_000m, 0.25m), FivePerMillion, Replica, Assumptions);

        Assert.Equal(BreakevenVerdict.StayOnApi, result.Verdict);
        Assert.Equal(50.00m, result.Api.Monthly);
        Assert.Equal(2_898.00m, result.SelfHost.Monthly);
        Assert.Null(result.SelfHost.PaybackMonths);
    }

    [Fact]
    public void High_steady_volume_is_self_hosted()
    {
        var steady = TrafficProfile.FromHours(Enumerable.Repeat(1_500_000L, 48), 0.25m);

        var result = BreakevenCalculator.Calculate(steady, FivePerMillion, Replica, Assumptions);

        Assert.Equal(BreakevenVerdict.SelfHost, result.Verdict);
        Assert.Equal(1_095_000_000m, result.MonthlyTokens);
        Assert.Equal(1, result.SelfHost.Replicas);
        Assert.Null(result.Hybrid);
        Assert.Equal(result.Api.Monthly - result.SelfHost.Monthly, new RouteBreakeven("/r", "m", "api", "", "x", result).MonthlySavings);
    }

    [Fact]
    public void High_baseline_with_big_bursts_goes_hybrid_and_reports_the_share_moved()
    {
        // 20 hours a day at 3.6M tokens (two replicas' worth), 4 burst hours at 36M (twenty replicas).
        var day = Enumerable.Repeat(3_600_000L, 20).Concat(Enumerable.Repeat(36_000_000L, 4));
        var profile = TrafficProfile.FromHours(day.Concat(day), 0.25m);

        var result = BreakevenCalculator.Calculate(profile, FivePerMillion, Replica, Assumptions);

        // Monthly 216M/day × 730/24 = 6,570M tokens → API 32,850. Peak needs 20 replicas → 38,960.
        // Hybrid: 2 replicas take 3.6M every hour, 40% of tokens: 3,796 + 1,000 + 60% × 32,850 = 24,506.
        Assert.Equal(BreakevenVerdict.Hybrid, result.Verdict);
        Assert.Equal(32_850.00m, result.Api.Monthly);
        Assert.Equal((20, 38_960.00m), (result.SelfHost.Replicas, result.SelfHost.Monthly));
        Assert.Equal((2, 24_506.00m), (result.Hybrid!.Replicas, result.Hybrid.Monthly));
        Assert.Equal(0.4m, result.SelfHostedShare);
        Assert.Equal(3_600_000m, result.BaselineHourTokens);
        Assert.Equal("0.4", result.Evidence()["hybrid_self_hosted_share"]);
    }

    [Fact]
    public void Payback_and_three_year_tco_match_the_hand_computed_example()
    {
        // 1,000M tokens at $5/M = 5,000 a month on the API; one replica (555k tokens/h < 1.8M) costs 1,898 + 1,000 = 2,898.
        // Savings 2,102 a month repay 21,020 in 10 months. TCO: API 36 × 5,000; self-host 36 × 2,898 + 21,020.
        var result = BreakevenCalculator.Calculate(TrafficProfile.Flat(1_000_000_000m, 0.25m), FivePerMillion, Replica, Assumptions);

        Assert.Equal(BreakevenVerdict.SelfHost, result.Verdict);
        Assert.Equal((5_000.00m, 180_000.00m), (result.Api.Monthly, result.Api.TotalCostOfOwnership));
        Assert.Equal((2_898.00m, 21_020m, 125_348.00m), (result.SelfHost.Monthly, result.SelfHost.OneTime, result.SelfHost.TotalCostOfOwnership));
        Assert.Equal(10m, result.SelfHost.PaybackMonths);
        Assert.Equal(2.90m, result.SelfHostPer1M);
        Assert.Equal(579_600_000m, result.BreakevenMonthlyTokens);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    [InlineData(10_000)]
    [InlineData(50_000)]
    public void At_the_breakeven_volume_api_and_self_host_cost_the_same_to_the_cent(int engineeringMonthly)
    {
        var assumptions = Assumptions with { EngineeringMonthly = engineeringMonthly };
        var profile = TrafficProfile.FromHours([1_000_000, 2_000_000, 4_000_000, 1_000_000], 0.3m);
        var result = BreakevenCalculator.Calculate(profile, FivePerMillion, Replica, assumptions);
        var curve = new CostCurve(FivePerMillion, Replica, assumptions, profile.OutputShare, profile.PeakFactor);

        var volume = Assert.NotNull(result.BreakevenMonthlyTokens);

        Assert.InRange(Math.Abs(curve.ApiMonthly(volume) - curve.SelfHostMonthly(volume)), 0m, 0.01m);
        Assert.True(curve.ApiMonthly(volume * 0.5m) < curve.SelfHostMonthly(volume * 0.5m), "below the crossing the API must be cheaper");
    }

    [Fact]
    public void No_breakeven_volume_exists_when_a_replica_costs_more_than_the_api_charges_for_its_capacity()
    {
        var cheapApi = new ApiPrice(0.10m, 0.10m, "USD");

        var result = BreakevenCalculator.Calculate(TrafficProfile.Flat(5_000_000_000m, 0.25m), cheapApi, Replica, Assumptions);

        Assert.Null(result.BreakevenMonthlyTokens);
        Assert.Equal(BreakevenVerdict.StayOnApi, result.Verdict);
        Assert.Contains("never pays", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Savings_below_the_minimum_share_keep_the_route_on_the_api()
    {
        // Self-hosting saves 2,102 of 5,000 a month, but its TCO (125,348) is not within half of the API's (180,000).
        var result = BreakevenCalculator.Calculate(TrafficProfile.Flat(1_000_000_000m, 0.25m), FivePerMillion, Replica, Assumptions with { MinimumSavingsShare = 0.5m });

        Assert.Equal(BreakevenVerdict.StayOnApi, result.Verdict);
        Assert.Equal(10m, result.SelfHost.PaybackMonths);
    }

    [Fact]
    public void Prices_in_different_currencies_are_refused_with_both_named()
    {
        var e = Assert.Throws<ArgumentException>(() => BreakevenCalculator.Calculate(TrafficProfile.Flat(1m, 0m), FivePerMillion with { Currency = "EUR" }, Replica, Assumptions));

        Assert.Contains("EUR", e.Message, StringComparison.Ordinal);
        Assert.Contains("USD", e.Message, StringComparison.Ordinal);
    }
}
