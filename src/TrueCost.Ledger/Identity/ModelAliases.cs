using System.Collections.Frozen;

namespace TrueCost.Ledger.Identity;

/// <summary>
/// Configured model renames (for example a deployment name that stands for a priced model id:
/// <c>my-gpt4o-deployment</c> → <c>gpt-4o-2024-08-06</c>). Applied to the billed model of requests and to
/// the ModelId of invoice lines before pricing and matching. Ids compare without case. Dated snapshots are
/// never cut to their family id: a snapshot has a price of its own in the catalogue, or no price.
/// </summary>
public sealed class ModelAliases
{
    private readonly FrozenDictionary<string, string> _map;

    public ModelAliases(IReadOnlyDictionary<string, string>? map)
    {
        var entries = map ?? new Dictionary<string, string>();
        foreach (var (from, to) in entries)
        {
            if (string.IsNullOrWhiteSpace(from) || string.IsNullOrWhiteSpace(to))
            {
                throw new InvalidOperationException($"model alias '{from}' → '{to}' has an empty side");
            }

            if (entries.ContainsKey(to) && !string.Equals(from, to, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"model alias '{from}' → '{to}' points at another alias; aliases are applied once");
            }
        }

        _map = entries.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public static ModelAliases None { get; } = new(null);

    public int Count => _map.Count;

    public string Canonical(string model) => _map.TryGetValue(model, out var to) ? to : model;
}
