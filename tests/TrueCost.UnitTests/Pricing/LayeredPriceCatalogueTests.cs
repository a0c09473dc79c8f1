using TrueCost.Ledger.Pricing;

namespace TrueCost.UnitTests.Pricing;

public class LayeredPriceCatalogueTests
{
    private static readonly DateTimeOffset Jan = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Jun = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly PriceCatalogue Shipped = new("2026-12-05", [Price("gpt-4o", 2.5m, "shipped"), Price("gpt-4o-mini", 0.15m, "shipped"), Price("o3", 2m, "shipped")]);
    private static readonly PriceCatalogue Older = new("litellm-old", [Price("gpt-4o", 5m, "old"), Price("o3", 10m, "old")]);
    private static readonly PriceCatalogue Newer = new("litellm-new", [Price("gpt-4o", 3m, "new")]);

    [Fact]
    public void Configured_prices_win_over_imports_and_the_shipped_list()
    {
        var layered = PriceCatalogue.Layered([Price("gpt-4o", 1m, "config")], [Newer, Older], Shipped);

        Assert.Equal("config", layered.Find("openai", "gpt-4o", Jun)!.Source);
    }

    [Fact]
    public void The_newest_import_wins_over_older_imports_and_the_shipped_list()
    {
        var layered = PriceCatalogue.Layered([], [Newer, Older], Shipped);

        Assert.Equal(3m, layered.Find("openai", "gpt-4o", Jun)!.InputPer1M);
        Assert.Equal(10m, layered.Find("openai", "o3", Jun)!.InputPer1M);
        Assert.Equal(0.15m, layered.Find("openai", "gpt-4o-mini", Jun)!.InputPer1M);
    }

    [Fact]
    public void A_layer_gives_all_the_prices_of_a_model_it_names_and_none_from_lower_layers()
    {
        var fromJune = Price("gpt-4o", 4m, "new") with { EffectiveFrom = Jun };
        var layered = PriceCatalogue.Layered([], [new PriceCatalogue("litellm-new", [fromJune])], Shipped);

        Assert.Null(layered.Find("openai", "gpt-4o", Jan));
        Assert.Equal(4m, layered.Find("openai", "gpt-4o", Jun)!.InputPer1M);
    }

    [Fact]
    public void The_version_names_the_layers_that_gave_prices_in_precedence_order()
    {
        Assert.Equal("config+litellm-new+litellm-old+2026-12-05", PriceCatalogue.Layered([Price("x", 1m, "config")], [Newer, Older], Shipped).Version);
        Assert.Equal("2026-12-05", PriceCatalogue.Layered([], [], Shipped).Version);
        Assert.Equal("litellm-new+2026-12-05", PriceCatalogue.Layered([], [Newer, new PriceCatalogue("litellm-older", [Price("gpt-4o", 9m, "older")])], Shipped).Version);
    }

    private static TokenPrice Price(string model, decimal input, string source) => new()
    {
        Provider = "openai",
        Model = model,
        InputPer1M = input,
        OutputPer1M = input * 4,
        EffectiveFrom = Jan,
        Source = source,
    };
}
