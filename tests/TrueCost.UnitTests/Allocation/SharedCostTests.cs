using TrueCost.Ledger.Allocation;

namespace TrueCost.UnitTests.Allocation;

/// <summary>Overhead, observability and engineering lines follow their stated driver among the keys they name.</summary>
public class SharedCostTests
{
    [Fact]
    public void An_observability_line_is_split_by_requests()
    {
        var allocation = Given.Allocate(
            [Given.Api("chat", 0m, requests: 200), Given.Api("search", 0m, requests: 100)],
            [Given.Line("logs", CostBuckets.Observability, 9.00m, Drivers.Requests)]);

        Assert.Equal(6.00m, allocation.Row("chat", "acme").Observability);
        Assert.Equal(3.00m, allocation.Row("search", "acme").Observability);
    }

    [Fact]
    public void An_engineering_line_restricted_to_routes_goes_only_to_those_routes_by_its_driver()
    {
        var allocation = Given.Allocate(
            [
                Given.SelfHosted("chat", "pool-a", tokens: 1_000, tenant: "acme"),
                Given.SelfHosted("chat", "pool-a", tokens: 4_000, tenant: "globex"),
                Given.SelfHosted("search", "pool-a", tokens: 5_000),
            ],
            [Given.Line("on-call", CostBuckets.Engineering, 10.00m, Drivers.Tokens, routes: "chat")]);

        Assert.Equal(2.00m, allocation.Row("chat", "acme").Engineering);
        Assert.Equal(8.00m, allocation.Row("chat", "globex").Engineering);
        Assert.DoesNotContain(allocation.Rows, r => r.Route == "search");
    }

    [Fact]
    public void A_pool_share_line_goes_to_the_self_hosted_users_by_tokens_and_not_to_api_keys()
    {
        var allocation = Given.Allocate(
            [Given.SelfHosted("chat", "pool-a", tokens: 300), Given.SelfHosted("search", "pool-b", tokens: 100), Given.Api("summarize", 1m, tokens: 10_000)],
            [Given.Line("warm-spare", CostBuckets.PlatformOverhead, 4.00m, Drivers.PoolShare)]);

        Assert.Equal(3.00m, allocation.Row("chat", "acme").PlatformOverhead);
        Assert.Equal(1.00m, allocation.Row("search", "acme").PlatformOverhead);
        Assert.Equal(0m, allocation.Row("summarize", "acme").PlatformOverhead);
    }

    [Fact]
    public void A_line_with_no_usage_to_carry_it_is_held_on_an_unallocated_row_for_its_bucket()
    {
        var allocation = Given.Allocate(
            [Given.Api("chat", 1.00m)],
            [Given.Line("egress", CostBuckets.PlatformOverhead, 5.55m, Drivers.Bytes)]);

        var unallocated = allocation.Special(SpecialRows.Unallocated, CostBuckets.PlatformOverhead);
        Assert.Equal(5.55m, unallocated.PlatformOverhead);
        Assert.Equal(0m, allocation.Row("chat", "acme").PlatformOverhead);
        Assert.Equal(6.55m, allocation.AllocatedTotal);
    }

    [Fact]
    public void An_unclassified_line_is_held_on_its_own_unclassified_row_and_still_counted()
    {
        var allocation = Given.Allocate(
            [Given.Api("chat", 1.00m, requests: 10)],
            [Given.Line("mystery-42", CostBuckets.Unclassified, 7.77m, Drivers.Requests)]);

        var held = allocation.Special(SpecialRows.Unclassified, "mystery-42");
        Assert.Equal(7.77m, held.Total);
        Assert.Equal(0m, allocation.Row("chat", "acme").PlatformOverhead);
        Assert.Equal(8.77m, allocation.AllocatedTotal);
        Assert.Contains(allocation.Sources, s => s.Source == "line mystery-42" && s.Bucket == CostBuckets.Unclassified);
    }
}
