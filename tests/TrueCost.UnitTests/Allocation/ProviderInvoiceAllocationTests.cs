using TrueCost.Ledger.Allocation;

namespace TrueCost.UnitTests.Allocation;

/// <summary>
/// A provider's invoice is the real cost of its tokens: it replaces their list-price cost and is carried by
/// the keys that used the provider, in proportion to their list-price cost, so every tenant's cost carries
/// its share of discounts, credits and overages. Nothing is stacked on priced tokens.
/// </summary>
public class ProviderInvoiceAllocationTests
{
    private static readonly UsageInput[] PricedAtTen = [Given.Api("chat", 6.00m), Given.Api("search", 4.00m, tenant: "globex")];

    [Fact]
    public void An_invoice_replaces_priced_tokens_and_is_split_by_list_price_cost()
    {
        var allocation = Given.Allocate(PricedAtTen, [Given.Invoice("inv-1", "openai", 12.00m)]);

        Assert.Equal(7.20m, allocation.Row("chat", "acme").DirectInference);
        Assert.Equal(4.80m, allocation.Row("search", "globex").DirectInference);
        Assert.DoesNotContain(allocation.Rows, r => r.Route.StartsWith('('));
        Assert.Equal(12.00m, allocation.InputTotal);
        Assert.Equal(12.00m, allocation.AllocatedTotal);
    }

    [Fact]
    public void The_bill_and_not_the_bill_plus_priced_tokens_reaches_the_tenant()
    {
        // 100 gpt-4o requests priced 0.75 USD; OpenAI bills 2.00 USD for the hour.
        var allocation = Given.Allocate([Given.Api("chat", 0.75m, requests: 100)], [Given.Invoice("openai-line", "openai", 2.00m)]);

        Assert.Equal(2.00m, allocation.Row("chat", "acme").DirectInference);
        Assert.Equal(2.00m, allocation.AllocatedTotal);
    }

    [Fact]
    public void A_discount_below_list_price_lowers_every_key_in_proportion()
    {
        var allocation = Given.Allocate(PricedAtTen, [Given.Invoice("inv-1", "openai", 9.25m)]);

        Assert.Equal(5.55m, allocation.Row("chat", "acme").DirectInference);
        Assert.Equal(3.70m, allocation.Row("search", "globex").DirectInference);
        Assert.Equal(9.25m, allocation.AllocatedTotal);
    }

    [Fact]
    public void A_credit_line_beside_the_usage_line_is_shared_by_the_same_keys()
    {
        var allocation = Given.Allocate(PricedAtTen, [Given.Invoice("usage", "openai", 10.00m), Given.Invoice("credit", "openai", -1.00m)]);

        Assert.Equal(5.40m, allocation.Row("chat", "acme").DirectInference);
        Assert.Equal(3.60m, allocation.Row("search", "globex").DirectInference);
    }

    [Fact]
    public void An_invoice_naming_a_model_is_carried_by_that_model_only_and_other_models_keep_their_list_price()
    {
        var usage = new[] { Given.Api("chat", 6.00m), Given.Api("chat", 1.00m, model: "gpt-4o-mini") };

        var allocation = Given.Allocate(usage, [Given.Invoice("inv-4o", "openai", 5.00m, model: "gpt-4o")]);

        Assert.Equal(5.00m, Assert.Single(allocation.Rows, r => r.Model == "gpt-4o").DirectInference);
        Assert.Equal(1.00m, Assert.Single(allocation.Rows, r => r.Model == "gpt-4o-mini").DirectInference);
        Assert.Equal(6.00m, allocation.AllocatedTotal);
    }

    [Fact]
    public void Unpriced_usage_inside_an_invoice_carries_its_tokens_at_the_average_list_price_and_stays_counted()
    {
        // Priced: 1,000 tokens for 6.00 (0.006/token). Unpriced: 500 tokens → weight 3.00. Invoice 9.00 → 6.00 / 3.00.
        var usage = new[] { Given.Api("chat", 6.00m), Given.Api("batch", 0m, model: "gpt-4.1", tokens: 500, requests: 7, unpriced: true) };

        var allocation = Given.Allocate(usage, [Given.Invoice("inv", "openai", 9.00m)]);

        var batch = allocation.Row("batch", "acme");
        Assert.Equal(3.00m, batch.DirectInference);
        Assert.Equal((7, 500), (batch.UnpricedRequests, batch.UnpricedTokens));
        Assert.Equal(6.00m, allocation.Row("chat", "acme").DirectInference);
    }

    [Fact]
    public void Unpriced_usage_without_an_invoice_keeps_its_row_with_its_counts_and_no_cost()
    {
        var allocation = Given.Allocate([Given.Api("batch", 0m, model: "gpt-4.1", tokens: 500, requests: 7, unpriced: true)]);

        var row = allocation.Row("batch", "acme");
        Assert.Equal(0.00m, row.Total);
        Assert.Equal((7, 500), (row.UnpricedRequests, row.UnpricedTokens));
    }

    [Fact]
    public void An_invoice_of_a_provider_nobody_used_is_held_on_its_own_row_and_priced_tokens_stand()
    {
        var allocation = Given.Allocate(PricedAtTen, [Given.Invoice("inv-2", "anthropic", 3.50m)]);

        Assert.Equal(3.50m, allocation.Special(SpecialRows.Unallocated, "anthropic").DirectInference);
        Assert.Equal(6.00m, allocation.Row("chat", "acme").DirectInference);
        Assert.Equal(13.50m, allocation.AllocatedTotal);
        Assert.Contains(allocation.Sources, s => s.Source == "line inv-2" && s.Rule.Contains("no usage", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_an_invoice_priced_tokens_stand()
    {
        var allocation = Given.Allocate(PricedAtTen);

        Assert.Equal(10.00m, allocation.AllocatedTotal);
        Assert.DoesNotContain(allocation.Rows, r => r.Route.StartsWith('('));
    }
}

/// <summary>Money no key can carry by its nature is held on a row that names it, never spread and never lost.</summary>
public class HeldLineTests
{
    [Fact]
    public void Gpu_spend_mapped_to_no_pool_is_held_on_an_unallocated_row_and_not_taken_for_a_provider_invoice()
    {
        var line = new CostLineInput("i-0a4f", CostBuckets.DirectInference, Drivers.UnmappedGpu, Pool: string.Empty, "aws", Model: string.Empty, [], 98.32m);

        var allocation = Given.Allocate([Given.Api("chat", 1.00m)], [line]);

        Assert.Equal(98.32m, allocation.Special(SpecialRows.Unallocated, "aws").DirectInference);
        Assert.Equal(1.00m, allocation.Row("chat", "acme").DirectInference);
        Assert.Contains(allocation.Sources, s => s.Rule.StartsWith("GPU spend not mapped to a pool", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unused_commitment_is_its_own_row()
    {
        var line = new CostLineInput("sp-unused", CostBuckets.DirectInference, Drivers.UnusedCommitment, Pool: string.Empty, "aws", Model: string.Empty, [], 1.25m);

        var allocation = Given.Allocate([Given.SelfHosted("chat", "h100", 100)], [line]);

        Assert.Equal(1.25m, allocation.Special(SpecialRows.UnusedCommitment, "aws").DirectInference);
        Assert.Equal(1.25m, allocation.AllocatedTotal);
    }
}
