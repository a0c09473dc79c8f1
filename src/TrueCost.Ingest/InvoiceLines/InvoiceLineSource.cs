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

    public string RecordId(InvoiceLineRecord record) => record.LineId;

    public IEnumerable<StreamEvent> ToEvents(SourceRange range, IReadOnlyList<InvoiceLineRecord> records) =>
        [new(range.StreamKey, new InvoiceLinesRecorded(range.Topic, range.Partition, range.First, range.Last, [.. records.Select(ToRecorded)]))];

    public static RecordedInvoiceLine ToRecorded(InvoiceLineRecord r) => new(
        r.LineId, r.BilledCost, r.EffectiveCost, r.ListCost, r.BillingCurrency, r.ChargePeriodStart, r.ChargePeriodEnd,
        r.ChargeCategory, r.ChargeClass, r.ChargeDescription, r.ProviderName, r.ServiceCategory, r.ServiceName, r.ResourceId,
        r.SkuId, r.SkuPriceDetails?.ModelId, r.SkuPriceDetails?.TokenDirection, r.PricingQuantity, r.PricingUnit,
        r.Tags ?? new Dictionary<string, string>());
}
