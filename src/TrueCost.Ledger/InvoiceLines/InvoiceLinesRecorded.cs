namespace TrueCost.Ledger.InvoiceLines;

/// <summary>A batch of FOCUS cost rows accepted from one Kafka partition, offsets [FirstOffset, LastOffset].</summary>
public sealed record InvoiceLinesRecorded(
    string Topic,
    int Partition,
    long FirstOffset,
    long LastOffset,
    IReadOnlyList<RecordedInvoiceLine> Lines);

/// <summary>What TrueCost keeps of one FOCUS row (costs exact, as billed).</summary>
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
    IReadOnlyDictionary<string, string> Tags);
