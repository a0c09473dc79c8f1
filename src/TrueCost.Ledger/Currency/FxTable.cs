using Microsoft.Extensions.Configuration;
using System.Text.Json.Serialization;

namespace TrueCost.Ledger.Currency;

/// <summary>One dated exchange rate: 1 <see cref="From"/> = <see cref="Rate"/> <see cref="To"/>, in force from <see cref="Date"/>.</summary>
public sealed record FxRate
{
    [JsonPropertyName("from")] [ConfigurationKeyName("from")] public required string From { get; init; }
    [JsonPropertyName("to")] [ConfigurationKeyName("to")] public required string To { get; init; }
    [JsonPropertyName("rate")] [ConfigurationKeyName("rate")] public required decimal Rate { get; init; }
    [JsonPropertyName("date")] [ConfigurationKeyName("date")] public required DateTimeOffset Date { get; init; }
    [JsonPropertyName("source")] [ConfigurationKeyName("source")] public string Source { get; init; } = "configured";
}

/// <summary>A figure converted to the reporting currency, with the rate that did it (stored beside the figure).</summary>
public readonly record struct Converted(decimal Amount, FxRate? Rate)
{
    public string Describe(string fromCurrency, string toCurrency) => Rate is { } r
        ? $"converted {fromCurrency}→{toCurrency} at {r.Rate} ({r.Date:yyyy-MM-dd}, {r.Source})"
        : string.Empty;
}

/// <summary>
/// The dated FX table: an amount is converted with the latest rate of its currency pair dated at or before
/// the hour it belongs to. A pair is also usable inverted (1 / rate). An amount with no rate is not
/// converted; the caller reports it as an error, it is never dropped or counted at par.
/// </summary>
public sealed class FxTable
{
    private readonly Dictionary<(string From, string To), FxRate[]> _rates;

    public FxTable(IEnumerable<FxRate> rates)
    {
        Rates = [.. rates];
        foreach (var r in Rates)
        {
            if (r.Rate <= 0)
            {
                throw new InvalidOperationException($"FX rate {r.From}→{r.To} on {r.Date:yyyy-MM-dd} is {r.Rate}; a rate must be positive");
            }

            if (r.From.Length != 3 || r.To.Length != 3 || r.From == r.To)
            {
                throw new InvalidOperationException($"FX rate {r.From}→{r.To} needs two different ISO 4217 codes");
            }
        }

        _rates = Rates
            .SelectMany(r => new[] { ((r.From, r.To), r), ((r.To, r.From), r with { From = r.To, To = r.From, Rate = 1m / r.Rate, Source = $"{r.Source}, inverted" }) })
            .GroupBy(p => p.Item1, p => p.Item2)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.Date).ToArray());
    }

    public static FxTable Empty { get; } = new([]);

    public IReadOnlyList<FxRate> Rates { get; }

    /// <summary>The amount in <paramref name="to"/>, or null when no rate for the pair is dated at or before <paramref name="at"/>.</summary>
    public Converted? Convert(decimal amount, string from, string to, DateTimeOffset at)
    {
        if (from == to)
        {
            return new Converted(amount, null);
        }

        if (!_rates.TryGetValue((from, to), out var rates))
        {
            return null;
        }

        foreach (var rate in rates)
        {
            if (rate.Date <= at)
            {
                return new Converted(amount * rate.Rate, rate);
            }
        }

        return null;
    }
}
