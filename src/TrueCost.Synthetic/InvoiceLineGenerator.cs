using System.Globalization;
using System.Text.Json;
using TrueCost.Contracts;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Contracts.Validation;

namespace TrueCost.Synthetic;

/// <summary>
/// FOCUS rows for the synthetic day: the GPU pools, egress, storage, a load balancer, two
/// observability vendors, engineering labour, an unclassifiable SaaS line, and a late credit.
/// </summary>
public sealed class InvoiceLineGenerator(DateTimeOffset day)
{
    public IEnumerable<SyntheticRecord> Generate()
    {
        var end = day.AddDays(1);
        yield return Line("gpu-l40s", 4 * 1.20m * 24, "Compute", "GPU Instances", "Usage", tags: new() { ["truecost-pool"] = "l40s-pool" }, resource: "l40s-pool");
        yield return Line("gpu-h100", 8 * 3.50m * 24, "Compute", "GPU Instances", "Usage", tags: new() { ["truecost-pool"] = "h100-pool" }, resource: "h100-pool");
        yield return Line("egress", 38.40m, "Networking", "Data Transfer", "Usage");
        yield return Line("lb", 18.00m, "Networking", "Load Balancing", "Usage", tags: new() { ["truecost-driver"] = "requests" });
        yield return Line("storage", 12.00m, "Storage", "Object Storage", "Usage");
        yield return Line("datadog", 96.00m, "Management and Governance", "Datadog", "Usage", provider: "Datadog");
        yield return Line("langfuse", 20.00m, "Management and Governance", "Langfuse", "Usage", provider: "Langfuse");
        yield return Line("ml-platform-team", 3 * 800.00m, null, "ML Platform Team", "Usage", provider: "Internal",
            tags: new() { ["truecost-bucket"] = "engineering", ["truecost-routes"] = "/agent/plan,/summarize,/moderation" });
        yield return Line("on-call", 300.00m, null, "On-call rota", "Usage", provider: "Internal", tags: new() { ["truecost-bucket"] = "engineering" });
        yield return Line("mystery-saas", 5.00m, "Other", "Acme Widgets", "Usage", provider: "Acme");
        // A provider credit for three hours of degraded L40S capacity, billed as a correction.
        yield return Line("credit-l40s", -6.00m, "Compute", "GPU Instances", "Credit", start: day.AddHours(10), stop: day.AddHours(13),
            tags: new() { ["truecost-pool"] = "l40s-pool" }, chargeClass: "Correction");

        SyntheticRecord Line(
            string id, decimal cost, string? category, string service, string chargeCategory, Dictionary<string, string>? tags = null,
            string? provider = null, string? resource = null, DateTimeOffset? start = null, DateTimeOffset? stop = null, string? chargeClass = null)
        {
            var record = new InvoiceLineRecord
            {
                LineId = $"{day:yyyyMMdd}-{id}",
                BilledCost = cost,
                EffectiveCost = cost,
                ListCost = cost,
                BillingCurrency = "USD",
                BillingAccountId = "acct-001",
                BillingPeriodStart = new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero),
                BillingPeriodEnd = new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1),
                ChargePeriodStart = start ?? day,
                ChargePeriodEnd = stop ?? end,
                ChargeCategory = chargeCategory,
                ChargeClass = chargeClass,
                ChargeDescription = $"{service} {day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}",
                ProviderName = provider ?? "CloudCo",
                ServiceCategory = category,
                ServiceName = service,
                ResourceId = resource,
                PricingQuantity = 1,
                PricingUnit = "Day",
                Tags = tags,
            };
            return new SyntheticRecord(Topics.InvoiceLines, record.LineId, JsonSerializer.SerializeToUtf8Bytes(record, WireJson.Options), Valid: true);
        }
    }
}
