using TrueCost.Ledger.Pricing;

namespace TrueCost.UnitTests.Ledger;

public class PriceCatalogueTests
{
    private static readonly DateTimeOffset Jan = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Jun = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_price_in_force_at_the_request_time_is_used()
    {
        var catalogue = new PriceCatalogue("v2", [Price(1m, Jan, Jun), Price(2m, Jun, null)]);

        Assert.Equal(1m, catalogue.Find("openai", "m", Jun.AddTicks(-1))!.InputPer1M);
        Assert.Equal(2m, catalogue.Find("openai", "m", Jun)!.InputPer1M);
        Assert.Null(catalogue.Find("openai", "m", Jan.AddTicks(-1)));
        Assert.Null(catalogue.Find("openai", "other", Jun));
    }

    [Fact]
    public void Overlapping_prices_for_one_model_are_refused()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new PriceCatalogue("bad", [Price(1m, Jan, null), Price(2m, Jun, null)]));

        Assert.Contains("openai/m overlap", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cached_input_tokens_are_billed_at_the_cached_price_and_not_twice()
    {
        var price = Price(2.50m, Jan, null) with { OutputPer1M = 10m, CacheReadPer1M = 1.25m };

        // 1,000,000 input of which 400,000 cached, 100,000 output:
        // 600,000 × 2.50/1M + 400,000 × 1.25/1M + 100,000 × 10/1M = 1.50 + 0.50 + 1.00
        Assert.Equal(3.00m, price.Cost(new TokenCounts(1_000_000, 400_000, 0, 100_000, 0)));
    }

    [Fact]
    public void The_embedded_default_catalogue_loads_and_prices_the_demo_models()
    {
        var catalogue = PriceCatalogue.Default();

        Assert.False(string.IsNullOrEmpty(catalogue.Version));
        Assert.Equal(0.15m, catalogue.Find("openai", "gpt-4o-mini", Jun)!.InputPer1M);
    }

    private static TokenPrice Price(decimal input, DateTimeOffset from, DateTimeOffset? to) => new()
    {
        Provider = "openai",
        Model = "m",
        InputPer1M = input,
        OutputPer1M = input * 4,
        EffectiveFrom = from,
        EffectiveTo = to,
    };
}
