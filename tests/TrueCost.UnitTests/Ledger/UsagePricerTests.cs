using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Currency;
using TrueCost.Ledger.Identity;
using TrueCost.Ledger.Pricing;

namespace TrueCost.UnitTests.Ledger;

/// <summary>Usage is priced per hour under canonical names, each token class at its own rate, in the reporting currency.</summary>
public class UsagePricerTests
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 16, 10, 0, 0, TimeSpan.Zero);

    private static readonly TokenPrice Sonnet = new()
    {
        Provider = "anthropic",
        Model = "claude-sonnet-4-5-20250929",
        InputPer1M = 3.00m,
        OutputPer1M = 15.00m,
        CacheReadPer1M = 0.30m,
        CacheCreationPer1M = 3.75m,
        EffectiveFrom = new DateTimeOffset(2025, 9, 29, 0, 0, 0, TimeSpan.Zero),
        Source = "test",
    };

    private static readonly TokenPrice O3 = new()
    {
        Provider = "openai",
        Model = "o3-2025-04-16",
        InputPer1M = 2.00m,
        OutputPer1M = 8.00m,
        CacheReadPer1M = 0.50m,
        ReasoningPer1M = 8.00m,
        EffectiveFrom = new DateTimeOffset(2025, 4, 16, 0, 0, 0, TimeSpan.Zero),
        Currency = "USD",
    };

    [Fact]
    public void Each_token_class_is_priced_once_at_its_own_rate()
    {
        // OpenLLMetry's Anthropic span: input 21 + cache read 188,086 + cache creation 1,540 = 189,647 input tokens; 393 output.
        var priced = Pricer().Price(Row("Anthropic", "claude-sonnet-4-5-20250929", new TokenCounts(189_647, 188_086, 1_540, 393, 0)), Hour);

        // 21 × 3.00 + 188,086 × 0.30 + 1,540 × 3.75 + 393 × 15.00, per 1M.
        Assert.Equal(0.000063m + 0.0564258m + 0.005775m + 0.005895m, priced.ListCost);
        Assert.Equal(("anthropic", "claude-sonnet-4-5-20250929"), (priced.Provider, priced.Model));
        Assert.False(priced.Unpriced);
    }

    [Fact]
    public void Reasoning_tokens_are_part_of_output_and_not_billed_twice()
    {
        var priced = Pricer().Price(Row("openai", "o3-2025-04-16", new TokenCounts(1_000_000, 0, 0, 1_000_000, 800_000)), Hour);

        Assert.Equal(2.00m + 8.00m, priced.ListCost);
    }

    [Fact]
    public void A_model_without_a_price_is_unpriced_with_a_reason_naming_it_and_the_catalogue()
    {
        var priced = Pricer().Price(Row("openai", "gpt-4.1", new TokenCounts(100, 0, 0, 10, 0)), Hour);

        Assert.True(priced.Unpriced);
        Assert.Equal(0m, priced.ListCost);
        Assert.Contains("no price for openai/gpt-4.1 at 2026-11-16T10:00Z in catalogue test", priced.UnpricedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configured_model_alias_prices_a_deployment_name_as_its_model()
    {
        var pricer = Pricer(models: new ModelAliases(new Dictionary<string, string> { ["prod-sonnet"] = "claude-sonnet-4-5-20250929" }));

        var priced = pricer.Price(Row("anthropic", "prod-sonnet", new TokenCounts(1_000_000, 0, 0, 0, 0)), Hour);

        Assert.Equal((3.00m, "claude-sonnet-4-5-20250929"), (priced.ListCost, priced.Model));
    }

    [Fact]
    public void A_price_in_another_currency_is_converted_by_the_dated_rate_and_says_so()
    {
        var eur = Sonnet with { Currency = "EUR" };
        var fx = new FxTable([new FxRate { From = "EUR", To = "USD", Rate = 1.08m, Date = Hour.AddDays(-3), Source = "ECB" }]);

        var priced = Pricer([eur], fx: fx).Price(Row("anthropic", eur.Model, new TokenCounts(1_000_000, 0, 0, 0, 0)), Hour);

        Assert.Equal(3.24m, priced.ListCost);
        Assert.Contains("converted EUR→USD at 1.08 (2026-11-13, ECB)", priced.Price, StringComparison.Ordinal);
    }

    [Fact]
    public void A_price_in_a_currency_without_a_rate_is_unpriced_not_counted_at_par()
    {
        var priced = Pricer([Sonnet with { Currency = "EUR" }]).Price(Row("anthropic", Sonnet.Model, new TokenCounts(1_000_000, 0, 0, 0, 0)), Hour);

        Assert.True(priced.Unpriced);
        Assert.Contains("no EUR→USD rate", priced.UnpricedReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Self_hosted_usage_is_paid_by_its_pool_and_never_priced_or_unpriced()
    {
        var row = Row("vllm", "llama-3.1-70b", new TokenCounts(100, 0, 0, 100, 0)) with { ServingMode = ServingModes.SelfHosted, Pool = "h100" };

        var priced = Pricer().Price(row, Hour);

        Assert.Equal((0m, false), (priced.ListCost, priced.Unpriced));
    }

    private static UsagePricer Pricer(TokenPrice[]? prices = null, ModelAliases? models = null, FxTable? fx = null) =>
        new(new PriceCatalogue("test", prices ?? [Sonnet, O3]), ProviderAliases.Default(), models ?? ModelAliases.None, fx ?? FxTable.Empty, "USD");

    private static UsageRow Row(string provider, string model, TokenCounts tokens) =>
        new("/chat", "acme", provider, model, "interactive", ServingModes.Api, string.Empty, 1, tokens, 0, 0);
}
