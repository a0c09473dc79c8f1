using Microsoft.Extensions.Configuration;
using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrueCost.Ledger.Identity;

/// <summary>One provider as TrueCost names it, and every other name it goes by in logs, price maps and invoices.</summary>
public sealed record ProviderAlias
{
    /// <summary>The canonical id: the OpenTelemetry <c>gen_ai.provider.name</c> value where one exists.</summary>
    [JsonPropertyName("id")] [ConfigurationKeyName("id")] public required string Id { get; init; }

    [JsonPropertyName("names")] [ConfigurationKeyName("names")] public IReadOnlyList<string> Names { get; init; } = [];
}

/// <summary>
/// Maps the provider names request logs (<c>gen_ai.provider.name</c>, the older <c>gen_ai.system</c>),
/// price maps (LiteLLM's <c>litellm_provider</c>) and invoices (FOCUS <c>ServiceName</c>,
/// <c>ServiceProviderName</c>, <c>ProviderName</c>, <c>PublisherName</c>, <c>InvoiceIssuerName</c>) use to one
/// id. Names compare without case, spaces or punctuation ("Azure OpenAI" = "azure_openai"). A name no
/// alias knows stays itself, lower-cased, so two spellings of an unknown provider still meet.
/// </summary>
public sealed class ProviderAliases
{
    private readonly FrozenDictionary<string, string> _byName;

    public ProviderAliases(IEnumerable<ProviderAlias> aliases)
    {
        Aliases = [.. aliases];
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var alias in Aliases)
        {
            if (string.IsNullOrWhiteSpace(alias.Id))
            {
                throw new InvalidOperationException("a provider alias has an empty id");
            }

            foreach (var name in alias.Names.Append(alias.Id))
            {
                var key = Normalize(name);
                if (key.Length == 0)
                {
                    throw new InvalidOperationException($"provider alias '{alias.Id}' has an empty name");
                }

                if (byName.TryGetValue(key, out var other) && other != alias.Id)
                {
                    throw new InvalidOperationException($"provider name '{name}' is an alias of both '{other}' and '{alias.Id}'");
                }

                byName[key] = alias.Id;
            }
        }

        _byName = byName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IReadOnlyList<ProviderAlias> Aliases { get; }

    /// <summary>The canonical id of a provider name; an unknown name lower-cased; empty for none.</summary>
    public string Canonical(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return string.Empty;
        }

        return _byName.TryGetValue(Normalize(name), out var id) ? id : name.Trim().ToLowerInvariant();
    }

    /// <summary>True when some alias knows the name (an invoice's provider columns are tried in turn until one is known).</summary>
    public bool Knows(string? name) => !string.IsNullOrWhiteSpace(name) && _byName.ContainsKey(Normalize(name));

    /// <summary>The shipped table, extended (and for a repeated id, replaced) by the configured one.</summary>
    public static ProviderAliases Default(IEnumerable<ProviderAlias>? configured = null)
    {
        using var stream = typeof(ProviderAliases).Assembly.GetManifestResourceStream("TrueCost.Ledger.Identity.default-provider-aliases.json")
            ?? throw new InvalidOperationException("embedded default provider aliases are missing");
        var shipped = JsonSerializer.Deserialize<List<ProviderAlias>>(stream) ?? [];
        var extra = configured?.ToList() ?? [];
        var replaced = extra.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        return new ProviderAliases(shipped.Where(a => !replaced.Contains(a.Id)).Concat(extra));
    }

    private static string Normalize(string name)
    {
        var b = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsLetterOrDigit(c))
            {
                b.Append(char.ToLowerInvariant(c));
            }
        }

        return b.ToString();
    }
}
