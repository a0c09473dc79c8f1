using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrueCost.Contracts.InvoiceLines;

/// <summary>
/// One FinOps FOCUS 1.x cost row (topic <see cref="Topics.InvoiceLines"/>). Column names are
/// FOCUS's own (1.0 to 1.3). FOCUS rows carry no id, so producers set <see cref="LineId"/>; the
/// importer derives it from the row's content and its <see cref="ImportId"/>.
/// </summary>
public sealed record InvoiceLineRecord
{
    [JsonPropertyName("x_LineId")] public required string LineId { get; init; }

    /// <summary>
    /// The export this row is part of: billing account, billing period and provider, e.g.
    /// <c>acct-123|2026-11-01T00:00:00Z|2026-12-01T00:00:00Z|OpenAI</c>. A later import of the same scope restates it.
    /// </summary>
    [JsonPropertyName("x_ImportScope")] public string? ImportScope { get; init; }

    /// <summary>Hash of all rows of <see cref="ImportScope"/> in one export: equal for an identical re-export, new for a corrected one.</summary>
    [JsonPropertyName("x_ImportId")] public string? ImportId { get; init; }
    [JsonPropertyName("BilledCost")] public required decimal BilledCost { get; init; }
    [JsonPropertyName("EffectiveCost")] public required decimal EffectiveCost { get; init; }
    [JsonPropertyName("ListCost")] public decimal? ListCost { get; init; }
    [JsonPropertyName("BillingCurrency")] public required string BillingCurrency { get; init; }
    [JsonPropertyName("BillingAccountId")] public string? BillingAccountId { get; init; }
    [JsonPropertyName("BillingAccountName")] public string? BillingAccountName { get; init; }
    [JsonPropertyName("SubAccountId")] public string? SubAccountId { get; init; }
    [JsonPropertyName("InvoiceId")] public string? InvoiceId { get; init; }
    [JsonPropertyName("InvoiceIssuerName")] public string? InvoiceIssuerName { get; init; }
    [JsonPropertyName("BillingPeriodStart")] public DateTimeOffset? BillingPeriodStart { get; init; }
    [JsonPropertyName("BillingPeriodEnd")] public DateTimeOffset? BillingPeriodEnd { get; init; }
    [JsonPropertyName("ChargePeriodStart")] public required DateTimeOffset ChargePeriodStart { get; init; }
    [JsonPropertyName("ChargePeriodEnd")] public required DateTimeOffset ChargePeriodEnd { get; init; }
    [JsonPropertyName("ChargeCategory")] public required string ChargeCategory { get; init; }
    [JsonPropertyName("ChargeClass")] public string? ChargeClass { get; init; }
    [JsonPropertyName("ChargeDescription")] public string? ChargeDescription { get; init; }
    /// <summary>FOCUS 1.0–1.2; deprecated in 1.3 in favour of <see cref="ServiceProviderName"/>.</summary>
    [JsonPropertyName("ProviderName")] public string? ProviderName { get; init; }
    [JsonPropertyName("ServiceProviderName")] public string? ServiceProviderName { get; init; }
    [JsonPropertyName("HostProviderName")] public string? HostProviderName { get; init; }
    /// <summary>FOCUS 1.0–1.2; deprecated in 1.3.</summary>
    [JsonPropertyName("PublisherName")] public string? PublisherName { get; init; }
    [JsonPropertyName("ServiceCategory")] public string? ServiceCategory { get; init; }
    [JsonPropertyName("ServiceSubcategory")] public string? ServiceSubcategory { get; init; }
    [JsonPropertyName("ServiceName")] public string? ServiceName { get; init; }
    [JsonPropertyName("ResourceId")] public string? ResourceId { get; init; }
    [JsonPropertyName("RegionId")] public string? RegionId { get; init; }
    [JsonPropertyName("CommitmentDiscountId")] public string? CommitmentDiscountId { get; init; }
    [JsonPropertyName("CommitmentDiscountType")] public string? CommitmentDiscountType { get; init; }
    [JsonPropertyName("CommitmentDiscountCategory")] public string? CommitmentDiscountCategory { get; init; }
    [JsonPropertyName("CommitmentDiscountStatus")] public string? CommitmentDiscountStatus { get; init; }
    [JsonPropertyName("SkuId")] public string? SkuId { get; init; }
    [JsonPropertyName("SkuPriceDetails")] public SkuPriceDetails? SkuPriceDetails { get; init; }
    [JsonPropertyName("PricingQuantity")] public decimal? PricingQuantity { get; init; }
    [JsonPropertyName("PricingUnit")] public string? PricingUnit { get; init; }
    /// <summary>FOCUS 1.2 PricingCurrency: the currency prices are quoted in; may be a virtual currency (e.g. "Token"), so not checked against ISO 4217.</summary>
    [JsonPropertyName("PricingCurrency")] public string? PricingCurrency { get; init; }
    [JsonPropertyName("ConsumedQuantity")] public decimal? ConsumedQuantity { get; init; }
    [JsonPropertyName("ConsumedUnit")] public string? ConsumedUnit { get; init; }
    [JsonPropertyName("Tags")]
    [JsonConverter(typeof(TagValuesConverter))]
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    /// <summary>Provider extension columns (<c>x_</c> prefix), kept verbatim.</summary>
    [JsonExtensionData] public IDictionary<string, JsonElement>? Extensions { get; init; }
}

/// <summary>
/// FOCUS SkuPriceDetails keys used for AI token SKUs: ModelId, TokenDirection and TokenCacheAction are
/// FOCUS-defined properties (the AI model billing and prompt caching examples of the spec). Every other key
/// (ModelDeveloper, ModelFamily, ModelVersion, CoreCount, x_ keys …) is kept in <see cref="Other"/>, numbers included.
/// </summary>
public sealed record SkuPriceDetails
{
    [JsonPropertyName("ModelId")] public string? ModelId { get; init; }
    [JsonPropertyName("TokenDirection")] public string? TokenDirection { get; init; }
    [JsonPropertyName("TokenCacheAction")] public string? TokenCacheAction { get; init; }

    /// <summary>An earlier draft of the spec's AI examples named the direction <c>TokenType</c> (same values).</summary>
    [JsonPropertyName("TokenType")] public string? TokenType { get; init; }

    [JsonExtensionData] public IDictionary<string, JsonElement>? Other { get; init; }

    /// <summary>The token direction, from <c>TokenDirection</c> or, failing that, the draft key <c>TokenType</c>.</summary>
    [JsonIgnore] public string? Direction => string.IsNullOrEmpty(TokenDirection) ? TokenType : TokenDirection;
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

/// <summary>Allowed values of the FOCUS SkuPriceDetails property <see cref="SkuPriceDetails.TokenDirection"/>.</summary>
public static class TokenDirections
{
    public const string Input = "Input";
    public const string Output = "Output";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { Input, Output };
}

/// <summary>
/// Allowed values of the FOCUS SkuPriceDetails property <see cref="SkuPriceDetails.TokenCacheAction"/>, which
/// describes input (request) tokens only: Uncached input, prompt-cache Read (hit), Write (cache creation), Other.
/// </summary>
public static class TokenCacheActions
{
    public const string Uncached = "Uncached";
    public const string Read = "Read";
    public const string Write = "Write";
    public const string Other = "Other";
    public static readonly IReadOnlySet<string> All = new HashSet<string> { Uncached, Read, Write, Other };
}

/// <summary>FOCUS CommitmentDiscountStatus: whether a commitment-covered row consumed the commitment or is its unused part.</summary>
public static class CommitmentDiscountStatuses
{
    public static readonly IReadOnlySet<string> All = new HashSet<string> { "Used", "Unused" };
}

/// <summary>FOCUS CommitmentDiscountCategory: a commitment to an amount of spend or of usage.</summary>
public static class CommitmentDiscountCategories
{
    public static readonly IReadOnlySet<string> All = new HashSet<string> { "Spend", "Usage" };
}

/// <summary>FOCUS ServiceCategory allowed values (the same list in 1.1, 1.2 and 1.3).</summary>
public static class ServiceCategories
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>
    {
        "AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools",
        "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media",
        "Migration", "Mobile", "Networking", "Security", "Storage", "Web", "Other",
    };
}
