using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Currency;
using TrueCost.Ledger.Identity;

namespace TrueCost.Ledger.Pricing;

/// <summary>One usage_hourly row as stored: raw provider and billed model names, tokens by class.</summary>
public sealed record UsageRow(
    string Route,
    string Tenant,
    string Provider,
    string Model,
    string TrafficClass,
    string ServingMode,
    string Pool,
    long Requests,
    TokenCounts Tokens,
    long Bytes,
    long RetryTokens)
{
    /// <summary>The select list <see cref="Read"/> reads from usage_hourly, after the hour column.</summary>
    public const string Columns = """
        route, tenant, provider, model, traffic_class, serving_mode, gpu_pool, requests,
        input_tokens, cached_input_tokens, cache_creation_tokens, output_tokens, reasoning_tokens, request_bytes + response_bytes, retry_tokens
        """;

    /// <summary>Reads a row selected as <c>hour, {Columns}</c>; the hour is the first column.</summary>
    public static (DateTimeOffset Hour, UsageRow Row) Read(System.Data.Common.DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return (r.GetFieldValue<DateTimeOffset>(0), new UsageRow(
            r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7), r.GetInt64(8),
            new TokenCounts(r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12), r.GetInt64(13)), r.GetInt64(14), r.GetInt64(15)));
    }
}

/// <summary>A usage row under canonical names, with its list-price cost in the reporting currency, or why it has none.</summary>
public sealed record PricedUsage(UsageRow Row, string Provider, string Model, decimal ListCost, string? Price, string? UnpricedReason)
{
    public bool Unpriced => UnpricedReason is not null;
}

/// <summary>
/// Prices API usage by hour: provider through <see cref="ProviderAliases"/>, billed model through
/// <see cref="ModelAliases"/>, the catalogue entry in force at the start of the hour, each token class at
/// its own rate, converted to the reporting currency by the dated FX table. Self-hosted usage is paid by
/// its pool and is never priced here. Pure: the same inputs always give the same figures.
/// </summary>
public sealed class UsagePricer(PriceCatalogue prices, ProviderAliases providers, ModelAliases models, FxTable fx, string currency)
{
    public string Currency => currency;

    public PriceCatalogue Catalogue => prices;

    public ProviderAliases Providers => providers;

    public ModelAliases Models => models;

    public PricedUsage Price(UsageRow row, DateTimeOffset hour)
    {
        var provider = providers.Canonical(row.Provider);
        var model = models.Canonical(row.Model);
        if (row.ServingMode != ServingModes.Api)
        {
            return new PricedUsage(row, provider, model, 0m, null, null);
        }

        if (prices.Find(provider, model, hour) is not { } price)
        {
            return new PricedUsage(row, provider, model, 0m, null, $"no price for {provider}/{model} at {hour:yyyy-MM-ddTHH:mm}Z in catalogue {prices.Version}");
        }

        var cost = price.Cost(row.Tokens);
        if (fx.Convert(cost, price.Currency, currency, hour) is not { } converted)
        {
            return new PricedUsage(row, provider, model, 0m, null, $"{provider}/{model} is priced in {price.Currency} and the FX table has no {price.Currency}→{currency} rate for {hour:yyyy-MM-dd}");
        }

        var described = $"{price.Source ?? prices.Version}: {provider}/{model} in {price.InputPer1M} out {price.OutputPer1M}"
            + (price.CacheReadPer1M is { } read ? $" cache read {read}" : string.Empty)
            + (price.CacheCreationPer1M is { } write ? $" cache write {write}" : string.Empty)
            + (price.ReasoningPer1M is { } reasoning ? $" reasoning {reasoning}" : string.Empty)
            + $" {price.Currency}/1M" + (converted.Rate is null ? string.Empty : ", " + converted.Describe(price.Currency, currency));
        return new PricedUsage(row, provider, model, converted.Amount, described, null);
    }
}
