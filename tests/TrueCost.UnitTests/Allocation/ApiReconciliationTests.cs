using TrueCost.Ledger.Allocation;

namespace TrueCost.UnitTests.Allocation;

/// <summary>API keys pay their own priced tokens; what the provider invoices beyond that is shown, never absorbed.</summary>
public class ApiReconciliationTests
{
    private static readonly UsageInput[] PricedAtTen = [Given.Api("chat", 6.00m), Given.Api("search", 4.00m, tenant: "globex")];

    [Fact]
    public void An_invoice_above_priced_tokens_leaves_keys_at_their_priced_cost_and_shows_the_difference_on_a_reconciliation_row()
    {
        var allocation = Given.Allocate(PricedAtTen, [Given.Line("inv-1", CostBuckets.DirectInference, 12.00m, provider: "openai")]);

        Assert.Equal(6.00m, allocation.Row("chat", "acme").DirectInference);
        Assert.Equal(4.00m, allocation.Row("search", "globex").DirectInference);
        var reconciliation = allocation.Special(SpecialRows.Reconciliation, "openai");
        Assert.Equal(2.00m, reconciliation.DirectInference);
        Assert.Equal(SpecialRows.All, reconciliation.Tenant);
        Assert.Equal(12.00m, allocation.InputTotal);
        Assert.Equal(12.00m, allocation.AllocatedTotal);
    }

    [Fact]
    public void An_invoice_below_priced_tokens_shows_a_negative_reconciliation()
    {
        var allocation = Given.Allocate(PricedAtTen, [Given.Line("inv-1", CostBuckets.DirectInference, 9.25m, provider: "openai")]);

        Assert.Equal(-0.75m, allocation.Special(SpecialRows.Reconciliation, "openai").DirectInference);
        Assert.Equal(9.25m, allocation.AllocatedTotal);
    }

    [Fact]
    public void Without_an_invoice_priced_tokens_stand_and_no_reconciliation_row_appears()
    {
        var allocation = Given.Allocate(PricedAtTen);

        Assert.Equal(10.00m, allocation.AllocatedTotal);
        Assert.DoesNotContain(allocation.Rows, r => r.Route == SpecialRows.Reconciliation);
    }

    [Fact]
    public void An_invoice_from_a_provider_nobody_used_this_hour_is_reconciled_in_full()
    {
        var allocation = Given.Allocate(PricedAtTen, [Given.Line("inv-2", CostBuckets.DirectInference, 3.50m, provider: "anthropic")]);

        Assert.Equal(3.50m, allocation.Special(SpecialRows.Reconciliation, "anthropic").DirectInference);
        Assert.Equal(13.50m, allocation.AllocatedTotal);
    }
}
