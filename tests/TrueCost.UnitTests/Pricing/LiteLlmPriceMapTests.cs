using System.Text;
using TrueCost.Ledger.Identity;
using TrueCost.Ledger.Pricing;

namespace TrueCost.UnitTests.Pricing;

/// <summary>Against an excerpt of LiteLLM's model_prices_and_context_window.json: real entries, plus a repeated key with a changed price and one price written without an exponent.</summary>
public class LiteLlmPriceMapTests
{
    private static readonly DateTimeOffset From = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<LiteLlmImport> Excerpt = new(() =>
    {
        using var stream = typeof(LiteLlmPriceMapTests).Assembly.GetManifestResourceStream("TrueCost.UnitTests.Pricing.litellm-excerpt.json")!;
        return LiteLlmPriceMap.Read(stream, "litellm test", From, ProviderAliases.Default());
    });

    private static LiteLlmImport Import => Excerpt.Value;

    private static TokenPrice Price(string provider, string model) =>
        Assert.Single(Import.Prices, p => p.Provider == provider && p.Model == model);

    private static string SkipReason(string key) => Assert.Single(Import.Skipped, s => s.Key == key).Reason;

    [Fact]
    public void Per_token_prices_become_exact_per_million_prices()
    {
        var gpt4o = Price("openai", "gpt-4o");

        Assert.Equal(2.50m, gpt4o.InputPer1M);
        Assert.Equal(10.00m, gpt4o.OutputPer1M);
        Assert.Equal(1.25m, gpt4o.CacheReadPer1M);
        Assert.Null(gpt4o.CacheCreationPer1M);
        Assert.Null(gpt4o.ReasoningPer1M);
        Assert.Equal("2.5", gpt4o.InputPer1M.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Prices_not_exact_in_binary_floating_point_stay_exact()
    {
        Assert.Equal(0.15m, Price("openai", "gpt-4o-mini-2024-07-18").InputPer1M);
        Assert.Equal(0.075m, Price("openai", "gpt-4o-mini-2024-07-18").CacheReadPer1M);
        Assert.Equal(1.7m, Price("deepseek", "deepseek-chat").OutputPer1M);
        Assert.Equal(0.1m, Price("mistral_ai", "mistral-small-latest").InputPer1M);
        Assert.Equal(0.3m, Price("mistral_ai", "mistral-small-latest").OutputPer1M);
    }

    [Fact]
    public void Cache_write_and_reasoning_prices_are_read_where_given()
    {
        var sonnet = Price("anthropic", "claude-sonnet-4-5-20250929");
        Assert.Equal((3m, 15m, 0.3m, 3.75m), (sonnet.InputPer1M, sonnet.OutputPer1M, sonnet.CacheReadPer1M, sonnet.CacheCreationPer1M));

        var flash = Price("gcp.gemini", "gemini-2.5-flash");
        Assert.Equal((0.3m, 2.5m, 0.075m, 2.5m), (flash.InputPer1M, flash.OutputPer1M, flash.CacheReadPer1M, flash.ReasoningPer1M));
    }

    [Fact]
    public void Every_price_carries_its_source_and_the_given_start()
    {
        Assert.All(Import.Prices, p => Assert.Equal(("litellm test", From, (DateTimeOffset?)null, "USD"), (p.Source, p.EffectiveFrom, p.EffectiveTo, p.Currency)));
    }

    [Fact]
    public void The_sample_spec_documentation_entry_is_skipped()
    {
        Assert.Contains("sample_spec", SkipReason("sample_spec"), StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_keys_keep_the_last_occurrence()
    {
        Assert.Equal(["vertex_ai/qwen/qwen3-next-80b-a3b-instruct-maas"], Import.DuplicateKeys);
        Assert.Equal(1, Import.Duplicates);
        Assert.Equal(1.4m, Price("gcp.vertex_ai", "qwen/qwen3-next-80b-a3b-instruct-maas").OutputPer1M);
    }

    [Fact]
    public void Provider_comes_from_litellm_provider_as_its_canonical_id_and_the_route_prefix_leaves_the_model()
    {
        Assert.Equal(2.5m, Price("azure.ai.openai", "gpt-4o").InputPer1M);
        Assert.Equal(3m, Price("gcp.vertex_ai", "claude-sonnet-4-5@20250929").InputPer1M);
        Assert.Equal(2.5m, Price("openrouter", "openai/gpt-4o").InputPer1M);
        Assert.Equal(0.15m, Price("gcp.vertex_ai", "gemini-embedding-001").InputPer1M);
    }

    [Fact]
    public void Bedrock_ids_keep_their_form_including_the_cross_region_prefix()
    {
        Assert.Equal(15m, Price("aws.bedrock", "anthropic.claude-3-5-sonnet-20240620-v1:0").OutputPer1M);
        Assert.Equal(15m, Price("aws.bedrock", "us.anthropic.claude-3-5-sonnet-20240620-v1:0").OutputPer1M);
    }

    [Fact]
    public void Prices_for_one_region_or_data_zone_are_skipped()
    {
        Assert.StartsWith("price for one region", SkipReason("bedrock/us-east-1/anthropic.claude-v2:1"), StringComparison.Ordinal);
        Assert.StartsWith("price for one region", SkipReason("azure/eu/gpt-4o-2024-08-06"), StringComparison.Ordinal);
        Assert.DoesNotContain(Import.Prices, p => p.Model.Contains("gpt-4o-2024-08-06", StringComparison.Ordinal) && p.Provider != "openai");
    }

    [Fact]
    public void Only_token_priced_text_modes_are_imported()
    {
        Assert.Contains("image_generation", SkipReason("gpt-image-1"), StringComparison.Ordinal);
        Assert.Contains("rerank", SkipReason("rerank-english-v3.0"), StringComparison.Ordinal);
        Assert.Equal("no mode", SkipReason("fireworks-ai-default"));
    }

    [Fact]
    public void An_entry_without_an_input_price_is_skipped_but_an_embedding_without_output_price_costs_nothing_to_output()
    {
        Assert.Equal("no input_cost_per_token", SkipReason("twelvelabs.pegasus-1-2-v1:0"));
        Assert.Equal((0.06m, 0m), (Price("voyage", "voyage-3").InputPer1M, Price("voyage", "voyage-3").OutputPer1M));
        Assert.Equal(0m, Price("gcp.vertex_ai", "gemini-embedding-001").OutputPer1M);
        Assert.Equal(0m, Price("openai", "text-embedding-3-small").OutputPer1M);
    }

    [Fact]
    public void Two_keys_for_one_model_keep_the_bare_key_and_report_the_conflict()
    {
        Assert.Equal(0.6m, Price("deepseek", "deepseek-chat").InputPer1M);
        var conflict = Assert.Single(Import.Conflicts);
        Assert.Equal(new LiteLlmConflict("deepseek", "deepseek-chat", "deepseek-chat", "deepseek/deepseek-chat"), conflict);
    }

    [Fact]
    public void Tiers_and_service_tiers_are_noted_and_priced_at_the_base_rate()
    {
        string[] Kinds(string key) => [.. Import.Notes.Where(n => n.Key == key).Select(n => n.Kind)];

        Assert.Equal(["batch price", "priority service tier"], Kinds("gpt-4o"));
        Assert.Equal(["tiered price above a context length"], Kinds("claude-sonnet-4-5-20250929"));
        Assert.Equal(["batch price", "other price (audio, image, time, query)"], Kinds("gpt-4o-mini-2024-07-18"));
        Assert.Empty(Kinds("azure/gpt-4o"));
        Assert.Equal((3m, 15m), (Price("anthropic", "claude-sonnet-4-5-20250929").InputPer1M, Price("anthropic", "claude-sonnet-4-5-20250929").OutputPer1M));
    }

    [Fact]
    public void The_import_is_a_catalogue_version()
    {
        var catalogue = Import.ToCatalogue("litellm-abc");

        Assert.Equal("litellm-abc", catalogue.Version);
        Assert.Equal(10m, catalogue.Find("openai", "gpt-4o", From)!.OutputPer1M);
    }

    [Fact]
    public void Duplicate_keys_do_not_throw_and_a_non_object_top_level_is_an_error()
    {
        var twice = LiteLlmPriceMap.Read(Json("""{"m":{"mode":"chat","litellm_provider":"openai","input_cost_per_token":1e-06,"output_cost_per_token":2e-06},"m":{"mode":"chat","litellm_provider":"openai","input_cost_per_token":3e-06,"output_cost_per_token":4e-06}}"""), "t", From, ProviderAliases.Default());
        Assert.Equal(3m, Assert.Single(twice.Prices).InputPer1M);

        var e = Assert.Throws<InvalidDataException>(() => LiteLlmPriceMap.Read(Json("[]"), "t", From, ProviderAliases.Default()));
        Assert.Contains("not an object", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_price_that_is_not_a_number_skips_the_entry_with_the_field_named()
    {
        var import = LiteLlmPriceMap.Read(Json("""{"m":{"mode":"chat","litellm_provider":"openai","input_cost_per_token":"1e-06","output_cost_per_token":2e-06}}"""), "t", From, ProviderAliases.Default());

        Assert.Empty(import.Prices);
        Assert.Equal("input_cost_per_token is \"1e-06\", not a decimal number", Assert.Single(import.Skipped).Reason);
    }

    private static MemoryStream Json(string text) => new(Encoding.UTF8.GetBytes(text));
}
