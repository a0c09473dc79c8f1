using TrueCost.Ledger.Allocation;

namespace TrueCost.UnitTests.Allocation;

/// <summary>A pool-hour's cost is split by the users' token share; the idle part is shown, never hidden.</summary>
public class SelfHostedPoolTests
{
    private static readonly PoolInput QuarterBusy = new("pool-a", BusyShare: 0.25, MissingGpuSeconds: 0);

    private static readonly UsageInput[] ThreeToOne = [Given.SelfHosted("chat", "pool-a", tokens: 3_000), Given.SelfHosted("search", "pool-a", tokens: 1_000)];

    [Fact]
    public void Share_policy_charges_users_the_whole_pool_by_token_share_and_shows_their_part_of_idle()
    {
        var allocation = Given.Allocate(ThreeToOne, [Given.PoolLine("pool-a", 100m)], [QuarterBusy], idle: IdlePolicy.Share);

        Assert.Equal((75.00m, 56.25m), DirectAndIdle(allocation.Row("chat", "acme")));
        Assert.Equal((25.00m, 18.75m), DirectAndIdle(allocation.Row("search", "acme")));
        Assert.DoesNotContain(allocation.Rows, r => r.Route == SpecialRows.Idle);
        Assert.Equal(100m, allocation.AllocatedTotal);
    }

    [Fact]
    public void Separate_policy_charges_users_the_busy_part_and_keeps_idle_on_an_idle_row_for_the_pool()
    {
        var allocation = Given.Allocate(ThreeToOne, [Given.PoolLine("pool-a", 100m)], [QuarterBusy], idle: IdlePolicy.Separate);

        Assert.Equal((18.75m, 0m), DirectAndIdle(allocation.Row("chat", "acme")));
        Assert.Equal((6.25m, 0m), DirectAndIdle(allocation.Row("search", "acme")));
        Assert.Equal((75m, 75m), DirectAndIdle(allocation.Special(SpecialRows.Idle, "pool-a")));
        Assert.Equal(100m, allocation.AllocatedTotal);
    }

    [Fact]
    public void Share_policy_rounding_gives_the_missing_cent_to_the_largest_remainder_and_rounds_idle_to_the_cent()
    {
        // 100.01 split 3:1 is 75.0075 and 25.0025: both floor to whole cents, the cent left over goes to 75.0075.
        var allocation = Given.Allocate(ThreeToOne, [Given.PoolLine("pool-a", 100.01m)], [QuarterBusy], idle: IdlePolicy.Share);

        Assert.Equal((75.01m, 56.26m), DirectAndIdle(allocation.Row("chat", "acme")));
        Assert.Equal((25.00m, 18.75m), DirectAndIdle(allocation.Row("search", "acme")));
        Assert.Equal(100.01m, allocation.AllocatedTotal);
    }

    [Theory]
    [InlineData(IdlePolicy.Share)]
    [InlineData(IdlePolicy.Separate)]
    public void A_pool_line_with_no_users_in_the_hour_is_all_idle_under_either_policy(IdlePolicy policy)
    {
        var allocation = Given.Allocate(
            [Given.SelfHosted("chat", "pool-b", tokens: 500)],
            [Given.PoolLine("pool-a", 40m)],
            [new PoolInput("pool-a", BusyShare: 0, MissingGpuSeconds: 0)],
            idle: policy);

        Assert.Equal((40m, 40m), DirectAndIdle(Assert.Single(allocation.Rows)));
        Assert.Equal(SpecialRows.Idle, allocation.Rows[0].Route);
        Assert.Equal("pool-a", allocation.Rows[0].Model);
    }

    [Fact]
    public void A_pool_that_sent_no_gpu_samples_has_unknown_utilization_so_nothing_is_called_idle()
    {
        var allocation = Given.Allocate(ThreeToOne, [Given.PoolLine("pool-a", 100m)], [new PoolInput("pool-a", BusyShare: null, MissingGpuSeconds: 3_600)], idle: IdlePolicy.Separate);

        Assert.Equal((75m, 0m), DirectAndIdle(allocation.Row("chat", "acme")));
        Assert.Equal((25m, 0m), DirectAndIdle(allocation.Row("search", "acme")));
        Assert.DoesNotContain(allocation.Rows, r => r.Route == SpecialRows.Idle);
    }

    private static (decimal Direct, decimal Idle) DirectAndIdle(AllocatedRow row) => (row.DirectInference, row.Idle);
}
