using TrueCost.Ledger.Pricing;

namespace TrueCost.Ledger.Allocation;

/// <summary>
/// Spreads a provider's API invoice line over the hours of its charge period in proportion to the
/// list-price cost of the usage it covers in each hour (unpriced tokens at the period's average list
/// price per token), so a daily or monthly bill lands where the traffic was. The shares are whole cents
/// and sum to the line rounded to the cent. With no usage at all in the period the line keeps its even
/// split over time (and each hour then holds it on an (unallocated) row).
/// </summary>
public static class ProviderInvoiceShares
{
    /// <param name="evenShares">The line's time-even hourly amounts, as cost_line_hourly holds them.</param>
    /// <param name="usage">The covered usage in the line's hours (priced rows of its provider, and model when it names one).</param>
    public static IReadOnlyDictionary<DateTimeOffset, decimal> Spread(IReadOnlyList<(DateTimeOffset Hour, decimal Amount)> evenShares, IReadOnlyList<(DateTimeOffset Hour, PricedUsage Usage)> usage)
    {
        var hours = evenShares.Select(s => s.Hour).Order().ToArray();
        var total = Math.Round(evenShares.Sum(s => s.Amount), 2, MidpointRounding.ToEven);
        var pricedTokens = usage.Where(u => !u.Usage.Unpriced).Sum(u => (decimal)u.Usage.Row.Tokens.Total);
        var pricedCost = usage.Where(u => !u.Usage.Unpriced).Sum(u => u.Usage.ListCost);
        var perToken = pricedCost > 0 && pricedTokens > 0 ? pricedCost / pricedTokens : 0m;
        var weightOf = usage
            .GroupBy(u => u.Hour)
            .ToDictionary(g => g.Key, g => g.Sum(u => u.Usage.Unpriced || perToken == 0 ? u.Usage.Row.Tokens.Total * (perToken == 0 ? 1m : perToken) : u.Usage.ListCost));
        var weights = hours.Select(h => weightOf.GetValueOrDefault(h)).ToArray();
        var weightTotal = weights.Sum();
        var exact = weightTotal > 0
            ? weights.Select(w => total * w / weightTotal).ToArray()
            : [.. hours.Select(h => evenShares.Where(s => s.Hour == h).Sum(s => s.Amount))];
        var cents = total >= 0
            ? LargestRemainder.ToCents(exact, total)
            : [.. LargestRemainder.ToCents([.. exact.Select(e => -e)], -total).Select(c => -c)];
        return hours.Select((h, i) => (h, cents[i])).ToDictionary(p => p.h, p => p.Item2);
    }
}
