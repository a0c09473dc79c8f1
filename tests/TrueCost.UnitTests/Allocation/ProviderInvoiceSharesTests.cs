using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Pricing;

namespace TrueCost.UnitTests.Allocation;

/// <summary>A daily or monthly provider bill lands in the hours where its traffic was, in whole cents summing to the bill.</summary>
public class ProviderInvoiceSharesTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_daily_line_is_spread_by_the_list_price_cost_of_each_hour_in_cents_that_sum_to_the_line()
    {
        var even = Enumerable.Range(0, 24).Select(h => (Day.AddHours(h), 100.00m / 24)).ToList();
        var usage = new[] { (Day.AddHours(9), Priced(3.00m)), (Day.AddHours(14), Priced(1.00m)), (Day.AddHours(14), Priced(2.00m)) };

        var shares = ProviderInvoiceShares.Spread(even, usage);

        Assert.Equal(50.00m, shares[Day.AddHours(9)]);
        Assert.Equal(50.00m, shares[Day.AddHours(14)]);
        Assert.Equal(0.00m, shares[Day.AddHours(3)]);
        Assert.Equal(100.00m, shares.Values.Sum());
    }

    [Fact]
    public void Shares_that_do_not_divide_evenly_are_rounded_by_largest_remainder()
    {
        var even = Enumerable.Range(0, 3).Select(h => (Day.AddHours(h), 10.00m / 3)).ToList();
        var usage = Enumerable.Range(0, 3).Select(h => (Day.AddHours(h), Priced(1m))).ToArray();

        var shares = ProviderInvoiceShares.Spread(even, usage);

        Assert.Equal([3.34m, 3.33m, 3.33m], shares.OrderBy(s => s.Key).Select(s => s.Value));
    }

    [Fact]
    public void A_credit_is_spread_like_a_charge_with_its_sign()
    {
        var even = Enumerable.Range(0, 2).Select(h => (Day.AddHours(h), -5.00m)).ToList();

        var shares = ProviderInvoiceShares.Spread(even, [(Day, Priced(1m)), (Day.AddHours(1), Priced(3m))]);

        Assert.Equal([-2.50m, -7.50m], shares.OrderBy(s => s.Key).Select(s => s.Value));
    }

    [Fact]
    public void Without_usage_in_the_period_the_line_keeps_its_even_split_over_time()
    {
        var even = Enumerable.Range(0, 4).Select(h => (Day.AddHours(h), 2.50m)).ToList();

        var shares = ProviderInvoiceShares.Spread(even, []);

        Assert.All(shares.Values, v => Assert.Equal(2.50m, v));
    }

    private static PricedUsage Priced(decimal cost) =>
        new(new UsageRow("/chat", "acme", "openai", "gpt-4o", "interactive", ServingModes.Api, string.Empty, 1, new TokenCounts(1000, 0, 0, 0, 0), 0, 0), "openai", "gpt-4o", cost, "test", null);
}
