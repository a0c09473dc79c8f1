using TrueCost.Ledger.Allocation;

namespace TrueCost.UnitTests.Allocation;

/// <summary>An incident's hour cost goes to the keys it affected; the tokens they spent retrying are incident waste.</summary>
public class IncidentTests
{
    [Fact]
    public void Incident_cost_is_split_over_the_affected_keys_by_requests()
    {
        var allocation = Given.Allocate(
            [Given.Api("chat", 0m, requests: 200), Given.Api("chat", 0m, tenant: "globex", requests: 100), Given.Api("search", 0m, requests: 500)],
            incidents: [Given.Incident("inc-1", responderCost: 20m, Given.Routes("chat"), failedRequestCost: 7m, credits: 3m)]);

        Assert.Equal(20m, allocation.Row("chat", "acme").Incident);
        Assert.Equal(10m, allocation.Row("chat", "globex").Incident);
        Assert.DoesNotContain(allocation.Rows, r => r.Route == "search");
    }

    [Fact]
    public void Retry_tokens_of_an_affected_key_move_their_share_of_its_direct_cost_to_incident()
    {
        var allocation = Given.Allocate(
            [Given.Api("chat", 8.00m, tokens: 1_000, requests: 1, retryTokens: 250), Given.Api("search", 4.00m, requests: 1, retryTokens: 500)],
            incidents: [Given.Incident("inc-1", responderCost: 20m, Given.Routes("chat"))]);

        var chat = allocation.Row("chat", "acme");
        Assert.Equal((6.00m, 22.00m), (chat.DirectInference, chat.Incident));
        Assert.Equal((4.00m, 0m), (allocation.Row("search", "acme").DirectInference, allocation.Row("search", "acme").Incident));
        Assert.Equal(32m, allocation.AllocatedTotal);
    }

    [Fact]
    public void Retry_waste_moves_once_even_when_two_incidents_cover_the_key()
    {
        var allocation = Given.Allocate(
            [Given.Api("chat", 8.00m, tokens: 1_000, retryTokens: 500)],
            incidents: [Given.Incident("inc-1", responderCost: 1m), Given.Incident("inc-2", responderCost: 1m, Given.Routes("chat"))]);

        var chat = allocation.Row("chat", "acme");
        Assert.Equal((4.00m, 6.00m), (chat.DirectInference, chat.Incident));
    }

    [Fact]
    public void Retry_waste_is_the_retrying_usage_rows_own_direct_cost_not_its_whole_keys()
    {
        // One key served two ways: API tokens with no retries and a self-hosted pool where every token was a retry.
        var allocation = Given.Allocate(
            [Given.Api("chat", 8.00m, tokens: 1_000) with { Model = "llama-70b" }, Given.SelfHosted("chat", "pool-a", tokens: 1_000, retryTokens: 1_000)],
            [Given.PoolLine("pool-a", 2.00m)],
            incidents: [Given.Incident("inc-1", responderCost: 1m, new([], [], [], ["pool-a"]))]);

        var chat = allocation.Row("chat", "acme");
        Assert.Equal((8.00m, 3.00m), (chat.DirectInference, chat.Incident));
    }

    [Fact]
    public void Retry_waste_takes_its_part_of_idle_along_so_what_stays_in_direct_keeps_its_idle_share()
    {
        var allocation = Given.Allocate(
            [Given.SelfHosted("chat", "pool-a", tokens: 1_000, retryTokens: 500)],
            [Given.PoolLine("pool-a", 100m)],
            [new PoolInput("pool-a", BusyShare: 0.25, MissingGpuSeconds: 0)],
            [Given.Incident("inc-1", responderCost: 10m)],
            IdlePolicy.Share);

        var chat = allocation.Row("chat", "acme");
        Assert.Equal((50m, 37.50m, 60m), (chat.DirectInference, chat.Idle, chat.Incident));
    }

    [Fact]
    public void Retry_waste_moves_during_an_incident_that_has_no_cost_of_its_own_in_the_hour()
    {
        var allocation = Given.Allocate(
            [Given.Api("chat", 8.00m, tokens: 1_000, retryTokens: 250)],
            incidents: [Given.Incident("inc-1", responderCost: 0m)]);

        var chat = allocation.Row("chat", "acme");
        Assert.Equal((6.00m, 2.00m), (chat.DirectInference, chat.Incident));
    }

    [Fact]
    public void An_incident_whose_affected_keys_sent_no_requests_is_held_on_an_unallocated_incident_row()
    {
        var allocation = Given.Allocate(
            [Given.Api("chat", 1.00m)],
            incidents: [Given.Incident("inc-1", responderCost: 12.34m, Given.Routes("search"))]);

        Assert.Equal(12.34m, allocation.Special(SpecialRows.Unallocated, CostBuckets.Incident).Incident);
        Assert.Equal(13.34m, allocation.AllocatedTotal);
    }
}
