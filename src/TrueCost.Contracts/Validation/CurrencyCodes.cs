namespace TrueCost.Contracts.Validation;

/// <summary>
/// ISO 4217 codes TrueCost accepts for money on the wire. Deliberately a short explicit list: a
/// typo such as "USS" or a lower-case "usd" must be rejected, not become a currency of its own.
/// Add a code here when a real bill arrives in it.
/// </summary>
public static class CurrencyCodes
{
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "ILS", "INR",
        "JPY", "KRW", "MXN", "NOK", "NZD", "PLN", "SEK", "SGD", "USD", "ZAR",
    };
}
