using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrueCost.Ledger.Pricing;

/// <summary>
/// The versioned API price list, kept as configuration (JSON). Requests are priced by the entry in
/// force at the request's timestamp; the catalogue version is stored beside every priced figure.
/// </summary>
public sealed class PriceCatalogue
{
    private readonly FrozenDictionary<(string Provider, string Model), TokenPrice[]> _byModel;

    public PriceCatalogue(string version, IEnumerable<TokenPrice> prices)
    {
        Version = version;
        Prices = [.. prices];
        foreach (var overlap in Prices.GroupBy(p => (p.Provider, p.Model)).Where(HasOverlap))
        {
            throw new InvalidOperationException(
                $"price catalogue {version}: prices for {overlap.Key.Provider}/{overlap.Key.Model} overlap in time");
        }

        _byModel = Prices
            .GroupBy(p => (p.Provider, p.Model))
            .ToFrozenDictionary(g => g.Key, g => g.OrderBy(p => p.EffectiveFrom).ToArray());
    }

    public string Version { get; }

    public IReadOnlyList<TokenPrice> Prices { get; }

    public TokenPrice? Find(string provider, string model, DateTimeOffset at)
    {
        if (!_byModel.TryGetValue((provider, model), out var prices))
        {
            return null;
        }

        foreach (var price in prices)
        {
            if (price.AppliesAt(at))
            {
                return price;
            }
        }

        return null;
    }

    public static PriceCatalogue Load(Stream json, string source)
    {
        var file = JsonSerializer.Deserialize<CatalogueFile>(json)
            ?? throw new InvalidDataException($"price catalogue {source} is empty");
        if (string.IsNullOrWhiteSpace(file.Version))
        {
            throw new InvalidDataException($"price catalogue {source} has no version");
        }

        return new PriceCatalogue(file.Version, file.Prices);
    }

    public static PriceCatalogue LoadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>The catalogue shipped with TrueCost (public list prices), used when none is configured.</summary>
    public static PriceCatalogue Default()
    {
        using var stream = typeof(PriceCatalogue).Assembly.GetManifestResourceStream("TrueCost.Ledger.Pricing.default-prices.json")
            ?? throw new InvalidOperationException("embedded default price catalogue is missing");
        return Load(stream, "default-prices.json (embedded)");
    }

    /// <summary>
    /// The catalogue in force: for a provider/model, the first layer with any entry for it gives all its
    /// prices: the configured prices, then the imported versions newest first, then the shipped list. Layers
    /// never mix for one model, so an import that drops a dated price never falls back to an older one for it.
    /// The version names the layers that gave prices, in precedence order.
    /// </summary>
    public static PriceCatalogue Layered(IReadOnlyList<TokenPrice> configured, IReadOnlyList<PriceCatalogue> importedNewestFirst, PriceCatalogue shipped)
    {
        var layers = new List<(string Version, IReadOnlyList<TokenPrice> Prices)>();
        if (configured.Count > 0)
        {
            layers.Add(("config", configured));
        }

        layers.AddRange(importedNewestFirst.Select(c => (c.Version, c.Prices)));
        layers.Add((shipped.Version, shipped.Prices));

        var claimed = new HashSet<(string, string)>();
        var prices = new List<TokenPrice>();
        var used = new List<string>();
        foreach (var (version, layer) in layers)
        {
            var fresh = layer.Select(p => (p.Provider, p.Model)).Distinct().Where(claimed.Add).ToHashSet();
            if (fresh.Count == 0)
            {
                continue;
            }

            used.Add(version);
            prices.AddRange(layer.Where(p => fresh.Contains((p.Provider, p.Model))));
        }

        return new PriceCatalogue(string.Join('+', used), prices);
    }

    private static bool HasOverlap(IEnumerable<TokenPrice> prices)
    {
        var ordered = prices.OrderBy(p => p.EffectiveFrom).ToArray();
        return ordered.Zip(ordered.Skip(1)).Any(pair => pair.First.EffectiveTo is null || pair.First.EffectiveTo > pair.Second.EffectiveFrom);
    }

    private sealed record CatalogueFile(
        [property: JsonPropertyName("version")] string Version,
        [property: JsonPropertyName("prices")] IReadOnlyList<TokenPrice> Prices);
}
