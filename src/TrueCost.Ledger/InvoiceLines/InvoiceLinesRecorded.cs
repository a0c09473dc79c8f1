namespace TrueCost.Ledger.InvoiceLines;

/// <summary>A batch of FOCUS cost rows accepted from one Kafka partition, offsets [FirstOffset, LastOffset].</summary>
public sealed record InvoiceLinesRecorded(
    string Topic,
    int Partition,
    long FirstOffset,
    long LastOffset,
    IReadOnlyList<RecordedInvoiceLine> Lines);

/// <summary>
/// What TrueCost keeps of one FOCUS row (costs exact, as billed). Parameters after <see cref="Tags"/> were added
/// later (FOCUS 1.2/1.3 columns, import scope and id); they are trailing and nullable with a default, so events
/// stored before them still deserialize, with null for what they did not record.
/// </summary>
public sealed record RecordedInvoiceLine(
    string LineId,
    decimal BilledCost,
    decimal EffectiveCost,
    decimal? ListCost,
    string Currency,
    DateTimeOffset ChargePeriodStart,
    DateTimeOffset ChargePeriodEnd,
    string ChargeCategory,
    string? ChargeClass,
    string? ChargeDescription,
    string? ProviderName,
    string? ServiceCategory,
    string? ServiceName,
    string? ResourceId,
    string? SkuId,
    string? ModelId,
    string? TokenDirection,
    decimal? PricingQuantity,
    string? PricingUnit,
    IReadOnlyDictionary<string, string> Tags,
    string? ImportScope = null,
    string? ImportId = null,
    string? TokenCacheAction = null,
    string? BillingAccountId = null,
    string? BillingAccountName = null,
    string? SubAccountId = null,
    string? InvoiceId = null,
    string? InvoiceIssuerName = null,
    string? ServiceProviderName = null,
    string? HostProviderName = null,
    string? PublisherName = null,
    string? PricingCurrency = null,
    string? ServiceSubcategory = null,
    string? RegionId = null,
    string? CommitmentDiscountId = null,
    string? CommitmentDiscountType = null,
    string? CommitmentDiscountCategory = null,
    string? CommitmentDiscountStatus = null,
    decimal? ConsumedQuantity = null,
    string? ConsumedUnit = null);
