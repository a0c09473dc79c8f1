using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrueCost.Contracts.InvoiceLines;

/// <summary>
/// One FinOps FOCUS 1.x cost row (topic <see cref="Topics.InvoiceLines"/>). Column names are
/// FOCUS's own. FOCUS rows carry no id, so producers set <see cref="LineId"/> (the importer
/// derives it from the file's content hash and row number).
/// </summary>
public sealed record InvoiceLineRecord
{
    [JsonPropertyName("x_LineId")] public required string LineId { get; init; }
    [JsonPropertyName("BilledCost")] public required decimal BilledCost { get; init; }
    [JsonPropertyName("EffectiveCost")] public required decimal EffectiveCost { get; init; }
    [JsonPropertyName("ListCost")] public decimal? ListCost { get; init; }
    [JsonPropertyName("BillingCurrency")] public required string BillingCurrency { get; init; }
    [JsonPropertyName("BillingAccountId")] public string? BillingAccountId { get; init; }
    [JsonPropertyName("BillingPeriodStart")] public DateTimeOffset? BillingPeriodStart { get; init; }
    [JsonPropertyName("BillingPeriodEnd")] public DateTimeOffset? BillingPeriodEnd { get; init; }
    [JsonPropertyName("ChargePeriodStart")] public required DateTimeOffset ChargePeriodStart { get; init; }
    [JsonPropertyName("ChargePeriodEnd")] public required DateTimeOffset ChargePeriodEnd { get; init; }
    [JsonPropertyName("ChargeCategory")] public required string ChargeCategory { get; init; }
    [JsonPropertyName("ChargeClass")] public string? ChargeClass { get; init; }
    [JsonPropertyName("ChargeDescription")] public string? ChargeDescription { get; init; }
    [JsonPropertyName("ProviderName")] public string? ProviderName { get; init; }
    [JsonPropertyName("ServiceCategory")] public string? ServiceCategory { get; init; }
    [JsonPropertyName("ServiceName")] public string? ServiceName { get; init; }
    [JsonPropertyName("ResourceId")] public string? ResourceId { get; init; }
    [JsonPropertyName("SkuId")] public string? SkuId { get; init; }
    [JsonPropertyName("SkuPriceDetails")] public SkuPriceDetails? SkuPriceDetails { get; init; }
    [JsonPropertyName("PricingQuantity")] public decimal? PricingQuantity { get; init; }
    [JsonPropertyName("PricingUnit")] public string? PricingUnit { get; init; }
    [JsonPropertyName("Tags")] public IReadOnlyDictionary<string, string>? Tags { get; init; }
    /// <summary>Provider extension columns (<c>x_</c> prefix), kept verbatim.</summary>
    [JsonExtensionData] public IDictionary<string, JsonElement>? Extensions { get; init; }
}

/// <summary>FOCUS SkuPriceDetails keys used for AI token SKUs.</summary>
public sealed record SkuPriceDetails
{
    [JsonPropertyName("ModelId")] public string? ModelId { get; init; }
    [JsonPropertyName("TokenDirection")] public string? TokenDirection { get; init; }
    [JsonPropertyName("TokenCacheAction")] public string? TokenCacheAction { get; init; }
    [JsonExtensionData] public IDictionary<string, JsonElement>? Other { get; init; }
}

public static class ChargeCategories
{
    public const string Credit = "Credit";
    public static readonly IReadOnlySet<string> All =
        new HashSet<string> { "Usage", "Purchase", "Tax", Credit, "Adjustment" };
}

/// <summary>FOCUS ChargeClass: null for regular rows, "Correction" for a fix to an already invoiced billing period.</summary>
public static class ChargeClasses
{
    public const string Correction = "Correction";
}

/// <summary>
/// Values of the <see cref="SkuPriceDetails.TokenDirection"/> key. FOCUS leaves SkuPriceDetails
/// keys and values to the provider; these are the ones TrueCost prices AI tokens by.
/// </summary>
public static class TokenDirections
{
    public const string Input = "Input";
    public const string Output = "Output";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { Input, Output };
}

/// <summary>Values of the <see cref="SkuPriceDetails.TokenCacheAction"/> key: prompt-cache reads and writes, both input tokens.</summary>
public static class TokenCacheActions
{
    public const string Read = "Read";
    public const string Write = "Write";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { Read, Write };
}
