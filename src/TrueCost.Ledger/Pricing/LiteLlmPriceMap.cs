using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TrueCost.Ledger.Identity;

namespace TrueCost.Ledger.Pricing;

/// <summary>A key of the price map that gave no price, and why.</summary>
public sealed record LiteLlmSkip(string Key, string Reason);

/// <summary>A price the map gives for an imported key that TrueCost does not apply (the key is priced at its base token rates).</summary>
public sealed record LiteLlmNote(string Key, string Kind, IReadOnlyList<string> Fields);

/// <summary>
/// Two keys that name the same provider/model. <see cref="Kept"/> gives the price; the other's price
/// differs (keys with equal prices are merged silently and are not reported).
/// </summary>
public sealed record LiteLlmConflict(string Provider, string Model, string Kept, string Dropped);

/// <summary>What one LiteLLM price map gave: prices per 1M tokens and every key it could not use, with the reason.</summary>
public sealed record LiteLlmImport(
    IReadOnlyList<TokenPrice> Prices,
    IReadOnlyList<LiteLlmSkip> Skipped,
    IReadOnlyList<LiteLlmNote> Notes,
    IReadOnlyList<LiteLlmConflict> Conflicts,
    IReadOnlyList<string> DuplicateKeys)
{
    public int Duplicates => DuplicateKeys.Count;

    public PriceCatalogue ToCatalogue(string version) => new(version, Prices);
}

/// <summary>
/// Reads LiteLLM's <c>model_prices_and_context_window.json</c> into <see cref="TokenPrice"/> entries.
/// <list type="bullet">
/// <item>Numbers are read as decimal from their JSON text (never through double), so a per-token price times
/// 1,000,000 is the per-1M price exactly.</item>
/// <item>A key repeated in the object keeps its last occurrence, as Python's <c>json</c> module (which LiteLLM
/// uses) does; the repeated keys are listed.</item>
/// <item>Only token-priced text modes are imported: chat, completion, responses, embedding (an embedding
/// without an output price has output 0). Other modes, keys without a mode, and keys missing the input or
/// output token price are skipped with the reason.</item>
/// <item>Provider = <c>litellm_provider</c> through <see cref="ProviderAliases.Canonical"/>. Model = the key
/// without its route prefix when the prefix is the provider's (<c>azure/gpt-4o</c> → <c>gpt-4o</c>,
/// <c>vertex_ai/claude-…</c> → <c>claude-…</c>, <c>openrouter/openai/gpt-4o</c> → <c>openai/gpt-4o</c>). Bedrock
/// ids keep their form, cross-region prefix included (<c>us.anthropic.claude-…-v1:0</c>).</item>
/// <item>Keys priced for one region, data zone or commitment term (<c>bedrock/us-east-1/…</c>,
/// <c>bedrock/*/1-month-commitment/…</c>, <c>azure/eu/…</c>, <c>azure/global-standard/…</c>) are skipped: request
/// logs name the model, not the region, so such a price could never be matched to usage.</item>
/// <item>Tiered prices (<c>…_above_200k_tokens</c>), batch, priority and flex service tiers, 1-hour cache
/// writes and non-token prices (audio, image, per second, per query) are not applied: the key is priced at
/// its base rates and a note lists what was left out.</item>
/// <item>When two keys give the same provider/model different prices, the key without a route prefix wins
/// (LiteLLM looks the bare model name up first), else the first in the file; the conflict is reported.</item>
/// </list>
/// </summary>
public static partial class LiteLlmPriceMap
{
    public const string SampleSpecKey = "sample_spec";

    private static readonly HashSet<string> TokenModes = new(StringComparer.Ordinal) { "chat", "completion", "responses", "embedding" };

    private static readonly HashSet<string> Imported = new(StringComparer.Ordinal)
    {
        "input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost", "cache_creation_input_token_cost", "output_cost_per_reasoning_token",
    };

    /// <summary>Azure data zones and deployment types LiteLLM puts between the route and the model.</summary>
    private static readonly HashSet<string> AzureScopes = new(StringComparer.Ordinal) { "eu", "us", "global", "global-standard" };

    public static LiteLlmImport Read(Stream json, string source, DateTimeOffset effectiveFrom, ProviderAliases providers)
    {
        using var document = ParseDocument(json, source);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"LiteLLM price map {source}: the top level is {document.RootElement.ValueKind}, not an object of model keys");
        }

        var entries = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var order = new List<string>();
        var duplicates = new List<string>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (entries.ContainsKey(property.Name))
            {
                duplicates.Add(property.Name);
            }
            else
            {
                order.Add(property.Name);
            }

            entries[property.Name] = property.Value;
        }

        var skipped = new List<LiteLlmSkip>();
        var notes = new List<LiteLlmNote>();
        var candidates = new List<(string Key, TokenPrice Price)>();
        foreach (var key in order)
        {
            var outcome = ReadEntry(key, entries[key], source, effectiveFrom, providers);
            switch (outcome)
            {
                case Entry.Skip s:
                    skipped.Add(s.Skipped);
                    break;
                case Entry.Priced p:
                    candidates.Add((key, p.Price));
                    notes.AddRange(p.Notes);
                    break;
            }
        }

        var (prices, conflicts) = Deduplicate(candidates);
        return new LiteLlmImport(prices, skipped, notes, conflicts, duplicates);
    }

    public static LiteLlmImport ReadFile(string path, string source, DateTimeOffset effectiveFrom, ProviderAliases providers)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, source, effectiveFrom, providers);
    }

    private static JsonDocument ParseDocument(Stream json, string source)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = true, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"LiteLLM price map {source} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }
    }

    private abstract record Entry
    {
        public sealed record Skip(LiteLlmSkip Skipped) : Entry;

        public sealed record Priced(TokenPrice Price, IReadOnlyList<LiteLlmNote> Notes) : Entry;
    }

    private static Entry ReadEntry(string key, JsonElement value, string source, DateTimeOffset effectiveFrom, ProviderAliases providers)
    {
        Entry Skip(string reason) => new Entry.Skip(new LiteLlmSkip(key, reason));

        if (key == SampleSpecKey)
        {
            return Skip("documentation entry (sample_spec), not a model");
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            return Skip($"value is {value.ValueKind}, not an object");
        }

        var mode = Text(value, "mode");
        if (mode is null)
        {
            return Skip("no mode");
        }

        if (!TokenModes.Contains(mode))
        {
            return Skip($"mode {mode} is not token-priced text (only chat, completion, responses, embedding)");
        }

        var litellmProvider = Text(value, "litellm_provider");
        if (litellmProvider is null)
        {
            return Skip("no litellm_provider");
        }

        if (!TryModel(key, litellmProvider, out var model, out var why))
        {
            return Skip(why);
        }

        try
        {
            var input = Number(value, "input_cost_per_token");
            var output = Number(value, "output_cost_per_token") ?? (mode == "embedding" ? 0m : null);
            if (input is null || output is null)
            {
                return Skip(input is null ? "no input_cost_per_token" : "no output_cost_per_token");
            }

            var price = new TokenPrice
            {
                Provider = providers.Canonical(litellmProvider),
                Model = model,
                InputPer1M = PerMillion(input.Value),
                OutputPer1M = PerMillion(output.Value),
                CacheReadPer1M = PerMillion(Number(value, "cache_read_input_token_cost")),
                CacheCreationPer1M = PerMillion(Number(value, "cache_creation_input_token_cost")),
                ReasoningPer1M = PerMillion(Number(value, "output_cost_per_reasoning_token")),
                EffectiveFrom = effectiveFrom,
                Source = source,
            };
            return new Entry.Priced(price, Unsupported(key, value));
        }
        catch (FormatException e)
        {
            return Skip(e.Message);
        }
    }

    /// <summary>The model id of a key: without its route prefix when that prefix routes to the entry's provider.</summary>
    private static bool TryModel(string key, string litellmProvider, out string model, out string why)
    {
        model = key;
        why = string.Empty;
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return true;
        }

        var route = key[..slash];
        if (!IsRouteOf(route, litellmProvider))
        {
            return true;
        }

        model = key[(slash + 1)..];
        var next = model.IndexOf('/', StringComparison.Ordinal);
        var scope = next > 0 ? model[..next] : null;
        var regional = scope is not null && (route.StartsWith("bedrock", StringComparison.Ordinal)
            ? scope == "*" || AwsRegion().IsMatch(scope) || model.Contains("-commitment/", StringComparison.Ordinal)
            : route.StartsWith("azure", StringComparison.Ordinal) && AzureScopes.Contains(scope));
        if (regional)
        {
            why = $"price for one region, data zone or commitment term ({route}/{scope}/…); only model-wide prices are imported";
            return false;
        }

        return true;
    }

    /// <summary>LiteLLM routes <c>vertex_ai/…</c> to providers such as <c>vertex_ai-anthropic_models</c> and <c>azure/…</c> to <c>azure_text</c>.</summary>
    private static bool IsRouteOf(string route, string litellmProvider) =>
        litellmProvider == route
        || litellmProvider.StartsWith(route + "-", StringComparison.Ordinal)
        || litellmProvider.StartsWith(route + "_", StringComparison.Ordinal);

    private static List<LiteLlmNote> Unsupported(string key, JsonElement value)
    {
        var byKind = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            var name = property.Name;
            if (Imported.Contains(name) || !name.Contains("cost", StringComparison.Ordinal) || IsZero(property.Value))
            {
                continue;
            }

            var kind = NoteKind(name);
            if (!byKind.TryGetValue(kind, out var fields))
            {
                byKind[kind] = fields = [];
            }

            fields.Add(name);
        }

        return [.. byKind.Select(k => new LiteLlmNote(key, k.Key, k.Value))];
    }

    private static bool IsZero(JsonElement v) =>
        v.ValueKind == JsonValueKind.Number && decimal.TryParse(v.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == 0m;

    private static string NoteKind(string field) =>
        field.Contains("_above_", StringComparison.Ordinal) && field.Contains("_tokens", StringComparison.Ordinal) ? "tiered price above a context length"
        : field.EndsWith("_batches", StringComparison.Ordinal) || field.EndsWith("_batch_requests", StringComparison.Ordinal) ? "batch price"
        : field.EndsWith("_priority", StringComparison.Ordinal) ? "priority service tier"
        : field.EndsWith("_flex", StringComparison.Ordinal) ? "flex service tier"
        : field.EndsWith("_above_1hr", StringComparison.Ordinal) ? "1-hour cache write"
        : "other price (audio, image, time, query)";

    private static (List<TokenPrice> Prices, List<LiteLlmConflict> Conflicts) Deduplicate(List<(string Key, TokenPrice Price)> candidates)
    {
        var conflicts = new List<LiteLlmConflict>();
        var kept = new Dictionary<(string, string), (string Key, TokenPrice Price)>();
        var order = new List<(string, string)>();
        foreach (var candidate in candidates)
        {
            var id = (candidate.Price.Provider, candidate.Price.Model);
            if (!kept.TryGetValue(id, out var current))
            {
                kept[id] = candidate;
                order.Add(id);
                continue;
            }

            var (winner, loser) = IsBare(candidate.Key) && !IsBare(current.Key) ? (candidate, current) : (current, candidate);
            kept[id] = winner;
            if (!SameRates(winner.Price, loser.Price))
            {
                conflicts.Add(new LiteLlmConflict(id.Item1, id.Item2, winner.Key, loser.Key));
            }
        }

        return ([.. order.Select(id => kept[id].Price)], conflicts);
    }

    private static bool IsBare(string key) => !key.Contains('/', StringComparison.Ordinal);

    private static bool SameRates(TokenPrice a, TokenPrice b) =>
        a.InputPer1M == b.InputPer1M && a.OutputPer1M == b.OutputPer1M && a.CacheReadPer1M == b.CacheReadPer1M
        && a.CacheCreationPer1M == b.CacheCreationPer1M && a.ReasoningPer1M == b.ReasoningPer1M;

    private static string? Text(JsonElement entry, string field) =>
        entry.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    /// <summary>A price from its JSON text; absent or null is no price. A string, a negative or an unreadable number is an error.</summary>
    private static decimal? Number(JsonElement entry, string field)
    {
        if (!entry.TryGetProperty(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = v.GetRawText();
        if (v.ValueKind != JsonValueKind.Number
            || !decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d))
        {
            throw new FormatException($"{field} is {text}, not a decimal number");
        }

        return d < 0 ? throw new FormatException($"{field} is negative ({text})") : d;
    }

    private static decimal? PerMillion(decimal? perToken) => perToken is { } p ? PerMillion(p) : null;

    /// <summary>Exact: 2.5e-06 → 2.5 (trailing zeros the multiplication leaves in the scale are dropped).</summary>
    private static decimal PerMillion(decimal perToken) => (perToken * 1_000_000m) / 1.0000000000000000000000000000m;

    [GeneratedRegex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex AwsRegion();
}
