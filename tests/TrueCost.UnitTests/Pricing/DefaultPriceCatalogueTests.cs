using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Identity;
using TrueCost.Ledger.Pricing;
using TrueCost.Synthetic;

namespace TrueCost.UnitTests.Pricing;

public class DefaultPriceCatalogueTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 16, 10, 0, 0, TimeSpan.Zero);

    private static readonly PriceCatalogue Default = PriceCatalogue.Default();

    [Fact]
    public void Every_api_route_of_the_synthetic_generator_is_priced_under_its_canonical_provider()
    {
        var providers = ProviderAliases.Default();

        Assert.All(
            RequestLogGenerator.Routes.Where(r => r.ServingMode == ServingModes.Api),
            r => Assert.NotNull(Default.Find(providers.Canonical(r.Provider), r.Model, Now)));
    }

    [Theory]
    [InlineData("openai", "gpt-4o-2024-08-06", 2.5, 10, 1.25, null)]
    [InlineData("openai", "gpt-4o-mini-2024-07-18", 0.15, 0.6, 0.075, null)]
    [InlineData("anthropic", "claude-sonnet-4-5", 3, 15, 0.3, 3.75)]
    [InlineData("anthropic", "claude-sonnet-4-5-20250929", 3, 15, 0.3, 3.75)]
    [InlineData("gcp.gemini", "gemini-2.5-flash", 0.3, 2.5, 0.075, null)]
    [InlineData("gcp.vertex_ai", "gemini-2.5-pro", 1.25, 10, 0.125, null)]
    [InlineData("aws.bedrock", "us.anthropic.claude-3-5-sonnet-20240620-v1:0", 3, 15, null, null)]
    [InlineData("azure.ai.openai", "gpt-4o", 2.5, 10, 1.25, null)]
    public void The_shipped_catalogue_carries_list_prices_of_the_major_providers(string provider, string model, double input, double output, double? cacheRead, double? cacheCreation)
    {
        var price = Default.Find(provider, model, Now)!;

        Assert.Equal(((decimal)input, (decimal)output), (price.InputPer1M, price.OutputPer1M));
        Assert.Equal((decimal?)cacheRead, price.CacheReadPer1M);
        Assert.Equal((decimal?)cacheCreation, price.CacheCreationPer1M);
    }

    [Fact]
    public void Every_shipped_price_names_a_canonical_provider_and_its_source()
    {
        var providers = ProviderAliases.Default();

        Assert.All(Default.Prices, p =>
        {
            Assert.Equal(providers.Canonical(p.Provider), p.Provider);
            Assert.False(string.IsNullOrWhiteSpace(p.Source));
        });
    }
}
