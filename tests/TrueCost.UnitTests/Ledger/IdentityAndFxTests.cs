using TrueCost.Ledger.Currency;
using TrueCost.Ledger.Identity;

namespace TrueCost.UnitTests.Ledger;

/// <summary>Names from logs, price maps and invoices meet under one id; FX rates are dated and never guessed.</summary>
public class IdentityAndFxTests
{
    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("OpenAI", "openai")]
    [InlineData("Anthropic", "anthropic")]
    [InlineData("azure", "azure.ai.openai")]
    [InlineData("Azure OpenAI Service", "azure.ai.openai")]
    [InlineData("az.ai.openai", "azure.ai.openai")]
    [InlineData("Amazon Bedrock", "aws.bedrock")]
    [InlineData("bedrock_converse", "aws.bedrock")]
    [InlineData("vertex_ai-anthropic_models", "gcp.vertex_ai")]
    [InlineData("Vertex AI", "gcp.vertex_ai")]
    [InlineData("gemini", "gcp.gemini")]
    [InlineData("mistral", "mistral_ai")]
    [InlineData("xai", "x_ai")]
    [InlineData("SomeNewLab", "somenewlab")]
    public void Provider_names_from_logs_price_maps_and_invoices_have_one_id(string name, string id) =>
        Assert.Equal(id, ProviderAliases.Default().Canonical(name));

    [Fact]
    public void A_configured_alias_extends_the_shipped_table_and_one_name_cannot_mean_two_providers()
    {
        var aliases = ProviderAliases.Default([new ProviderAlias { Id = "internal.gateway", Names = ["LLM Gateway Inc."] }]);
        Assert.Equal("internal.gateway", aliases.Canonical("llm gateway inc"));

        var e = Assert.Throws<InvalidOperationException>(() => ProviderAliases.Default([new ProviderAlias { Id = "other", Names = ["OpenAI"] }]));
        Assert.Contains("alias of both 'openai' and 'other'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_latest_rate_dated_at_or_before_the_hour_converts_and_the_pair_works_inverted()
    {
        var fx = new FxTable(
        [
            new FxRate { From = "EUR", To = "USD", Rate = 1.05m, Date = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), Source = "ECB" },
            new FxRate { From = "EUR", To = "USD", Rate = 1.10m, Date = new DateTimeOffset(2026, 11, 15, 0, 0, 0, TimeSpan.Zero), Source = "ECB" },
        ]);

        Assert.Equal(105m, fx.Convert(100m, "EUR", "USD", new DateTimeOffset(2026, 11, 14, 23, 0, 0, TimeSpan.Zero))!.Value.Amount);
        Assert.Equal(110m, fx.Convert(100m, "EUR", "USD", new DateTimeOffset(2026, 11, 15, 0, 0, 0, TimeSpan.Zero))!.Value.Amount);
        Assert.Equal(100m, decimal.Round(fx.Convert(110m, "USD", "EUR", new DateTimeOffset(2026, 11, 16, 0, 0, 0, TimeSpan.Zero))!.Value.Amount, 10));
        Assert.Null(fx.Convert(100m, "EUR", "USD", new DateTimeOffset(2026, 10, 31, 0, 0, 0, TimeSpan.Zero)));
        Assert.Null(fx.Convert(100m, "GBP", "USD", new DateTimeOffset(2026, 11, 16, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void A_rate_that_is_not_positive_is_refused_with_its_pair()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new FxTable([new FxRate { From = "EUR", To = "USD", Rate = 0m, Date = DateTimeOffset.UnixEpoch }]));

        Assert.Contains("EUR→USD", e.Message, StringComparison.Ordinal);
    }
}
