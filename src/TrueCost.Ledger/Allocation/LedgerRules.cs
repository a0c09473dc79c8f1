using TrueCost.Ledger.Currency;
using TrueCost.Ledger.Identity;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.Allocation;

/// <summary>
/// Every configured rule the allocator applies, built once from <see cref="LedgerOptions"/>: prices,
/// provider and model aliases, the FX table, cost and pool rules, and the idle policy and currency.
/// </summary>
public sealed record LedgerRules(UsagePricer Pricer, FxTable Fx, CostClassifier Classifier, AllocationPolicy Policy)
{
    public ProviderAliases Providers => Pricer.Providers;

    public ModelAliases Models => Pricer.Models;

    public static LedgerRules From(LedgerOptions options, PriceCatalogue prices)
    {
        var fx = new FxTable(options.Fx);
        var providers = ProviderAliases.Default(options.Providers);
        var pricer = new UsagePricer(prices, providers, new ModelAliases(options.Models), fx, options.Currency);
        return new LedgerRules(pricer, fx, CostClassifier.Default(options.CostRules, options.Pools), new AllocationPolicy(options.IdlePolicy, options.Currency));
    }

    /// <summary>
    /// An incident's SLA credits (jsonb per currency, as the incidents table keeps them) in the reporting
    /// currency; credits in a currency without a rate are left out and returned as <paramref name="unconverted"/>.
    /// </summary>
    public decimal Credits(string? byCurrencyJson, DateTimeOffset hour, List<(string Currency, decimal Amount)> unconverted)
    {
        var total = 0m;
        var credits = string.IsNullOrEmpty(byCurrencyJson) ? null : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, decimal>>(byCurrencyJson);
        foreach (var (currency, amount) in credits ?? [])
        {
            if (Fx.Convert(amount, currency, Policy.Currency, hour) is { } converted)
            {
                total += converted.Amount;
            }
            else
            {
                unconverted.Add((currency, amount));
            }
        }

        return total;
    }

    /// <summary>
    /// The provider an invoice line bills for, from its columns in the order ServiceName, ServiceProviderName,
    /// ProviderName, InvoiceIssuerName, PublisherName: the first the alias table knows (ServiceName first, so
    /// "Amazon Bedrock" on an AWS bill is the Bedrock provider), else the first provider column given.
    /// </summary>
    public string InvoiceProvider(params string?[] names)
    {
        foreach (var name in names)
        {
            if (Providers.Knows(name))
            {
                return Providers.Canonical(name);
            }
        }

        return Providers.Canonical(names.Skip(1).FirstOrDefault(n => !string.IsNullOrWhiteSpace(n)) ?? names.FirstOrDefault());
    }
}
