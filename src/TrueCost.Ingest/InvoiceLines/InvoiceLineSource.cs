using TrueCost.Contracts;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.InvoiceLines;

namespace TrueCost.Ingest.InvoiceLines;

public sealed class InvoiceLineSource(TimeProvider clock, IngestOptions options) : IIngestSource<InvoiceLineRecord>
{
    public string Topic { get; } = options.TopicFor(Topics.InvoiceLines);

    public short Kind => 3;

    public IRecordParser<InvoiceLineRecord> Parser { get; } = new InvoiceLineParser(clock);

    public void Read(byte[] message, List<SourceRecord<InvoiceLineRecord>> into) => OneRecordPerMessage.Read(Parser, message, into);

    public string RecordId(InvoiceLineRecord record) => record.LineId;

    public IEnumerable<StreamEvent> ToEvents(SourceRange range, IReadOnlyList<InvoiceLineRecord> records) =>
        [new(range.StreamKey, new InvoiceLinesRecorded(range.Topic, range.Partition, range.First, range.Last, [.. records.Select(ToRecorded)]))];

    public static RecordedInvoiceLine ToRecorded(InvoiceLineRecord r) => new(
        r.LineId, r.BilledCost, r.EffectiveCost, r.ListCost, r.BillingCurrency, r.ChargePeriodStart, r.ChargePeriodEnd,
        r.ChargeCategory, Value(r.ChargeClass), r.ChargeDescription, r.ProviderName, Value(r.ServiceCategory), r.ServiceName, r.ResourceId,
        r.SkuId, r.SkuPriceDetails?.ModelId, Value(r.SkuPriceDetails?.Direction), r.PricingQuantity, r.PricingUnit,
        r.Tags ?? new Dictionary<string, string>(),
        ImportScope: r.ImportScope,
        ImportId: r.ImportId,
        TokenCacheAction: Value(r.SkuPriceDetails?.TokenCacheAction),
        BillingAccountId: r.BillingAccountId,
        BillingAccountName: r.BillingAccountName,
        SubAccountId: r.SubAccountId,
        InvoiceId: r.InvoiceId,
        InvoiceIssuerName: r.InvoiceIssuerName,
        ServiceProviderName: r.ServiceProviderName,
        HostProviderName: r.HostProviderName,
        PublisherName: r.PublisherName,
        PricingCurrency: r.PricingCurrency,
        ServiceSubcategory: r.ServiceSubcategory,
        RegionId: r.RegionId,
        CommitmentDiscountId: r.CommitmentDiscountId,
        CommitmentDiscountType: r.CommitmentDiscountType,
        CommitmentDiscountCategory: Value(r.CommitmentDiscountCategory),
        CommitmentDiscountStatus: Value(r.CommitmentDiscountStatus),
        ConsumedQuantity: r.ConsumedQuantity,
        ConsumedUnit: r.ConsumedUnit);

    /// <summary>The parser reads an empty allowed-value column as null (JSON converted from a CSV); so is it stored.</summary>
    private static string? Value(string? allowed) => string.IsNullOrEmpty(allowed) ? null : allowed;
}
