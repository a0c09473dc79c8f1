using CsCheck;
using TrueCost.Ledger.UnitEconomics;

namespace TrueCost.UnitTests.UnitEconomics;

/// <summary>The field's worked examples of cost per 1M tokens; figures are rounded only where the test name says so.</summary>
public class UnitCostTests
{
    private const decimal ThirtyPercent = 0.30m;

    [Fact]
    public void A_1_50_dollar_GPU_hour_at_1500_tokens_per_second_is_0_28_per_million_and_0_36_with_30_percent_overhead_to_the_cent()
    {
        var cost = UnitCost.PerMillionTokens(1.50m, 1_500m, overhead: ThirtyPercent);

        Assert.Equal(0.28m, Math.Round(cost.PerMillionTokens, 2));
        Assert.Equal(0.36m, Math.Round(cost.PerMillionTokensWithOverhead, 2));
    }

    [Fact]
    public void A_3_50_dollar_GPU_hour_at_700_tokens_per_second_is_1_39_per_million_to_the_cent_and_1_80_with_30_percent_overhead_to_the_dime()
    {
        // With overhead it is 1.8056: the field's "≈ $1.80" is 1.39 × 1.3 from the already rounded figure, $1.81 to the cent.
        var cost = UnitCost.PerMillionTokens(3.50m, 700m, overhead: ThirtyPercent);

        Assert.Equal(1.39m, Math.Round(cost.PerMillionTokens, 2));
        Assert.Equal(1.8m, Math.Round(cost.PerMillionTokensWithOverhead, 1));
        Assert.Equal(1.81m, Math.Round(cost.PerMillionTokensWithOverhead, 2));
    }

    [Fact]
    public void A_96_dollar_node_hour_at_1200_tokens_per_second_is_22_per_million_and_29_with_30_percent_overhead_to_the_dollar()
    {
        var cost = UnitCost.PerMillionTokens(96m, 1_200m, overhead: ThirtyPercent);

        Assert.Equal(22m, Math.Round(cost.PerMillionTokens));
        Assert.Equal(29m, Math.Round(cost.PerMillionTokensWithOverhead));
    }

    [Fact]
    public void The_same_pool_at_10_percent_utilization_costs_exactly_ten_times_per_token_what_it_costs_at_100_percent_unrounded()
    {
        var busy = UnitCost.PerMillionTokens(1.50m, 1_500m, utilization: 1.0m, overhead: ThirtyPercent);
        var mostlyIdle = UnitCost.PerMillionTokens(1.50m, 1_500m, utilization: 0.10m, overhead: ThirtyPercent);

        Assert.Equal(busy.PerMillionTokens * 10, mostlyIdle.PerMillionTokens);
        Assert.Equal(busy.PerMillionTokensWithOverhead * 10, mostlyIdle.PerMillionTokensWithOverhead);
        Assert.Equal(150m, mostlyIdle.EffectiveTokensPerSecond);
    }

    [Fact]
    public void Utilization_defaults_to_fully_busy_and_overhead_to_none_unrounded()
    {
        var cost = UnitCost.PerMillionTokens(3.60m, 1_000m);

        Assert.Equal(1.00m, cost.PerMillionTokens);
        Assert.Equal(cost.PerMillionTokens, cost.PerMillionTokensWithOverhead);
        Assert.Equal(1_000m, cost.EffectiveTokensPerSecond);
    }

    [Fact]
    public void A_million_tokens_at_the_unit_cost_pay_back_the_gpu_hours_they_took_to_a_billionth_of_a_cent()
    {
        Gen.Select(Gen.Int[1, 100_000_000], Gen.Int[1, 10_000_000], Gen.Int[1, 100]).Sample((cents, tokensPerSecond, percentBusy) =>
        {
            var gpuHourly = cents / 100m;
            var utilization = percentBusy / 100m;
            var cost = UnitCost.PerMillionTokens(gpuHourly, tokensPerSecond, utilization);

            var hoursForAMillion = 1_000_000m / (cost.EffectiveTokensPerSecond * 3_600m);
            var paidBack = cost.PerMillionTokens / hoursForAMillion;
            Assert.True(Math.Abs(paidBack - gpuHourly) < 0.00000000001m, $"{paidBack} does not pay back {gpuHourly}");
        }, iter: 1_000);
    }

    [Theory]
    [InlineData(0, 1_500, 1, 0, "GPU cost per hour must be positive, got 0")]
    [InlineData(-1.5, 1_500, 1, 0, "GPU cost per hour must be positive, got -1.5")]
    [InlineData(1.5, 0, 1, 0, "tokens per second must be positive, got 0")]
    [InlineData(1.5, 1_500, 0, 0, "utilization must be a fraction in (0, 1]")]
    [InlineData(1.5, 1_500, 1.01, 0, "utilization must be a fraction in (0, 1]")]
    [InlineData(1.5, 1_500, 10, 0, "got 10")]
    [InlineData(1.5, 1_500, 1, -0.1, "overhead must be a fraction between 0 and 5")]
    [InlineData(1.5, 1_500, 1, 30, "(0.30 adds 30 %), got 30")]
    public void Inputs_outside_their_range_are_refused_with_the_quantity_its_range_and_the_value_given(double gpuHourly, double tokensPerSecond, double utilization, double overhead, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => UnitCost.PerMillionTokens((decimal)gpuHourly, (decimal)tokensPerSecond, (decimal)utilization, (decimal)overhead));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
