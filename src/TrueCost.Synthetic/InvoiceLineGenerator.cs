using System.Globalization;
using System.Text.Json;
using TrueCost.Contracts;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Contracts.Validation;

namespace TrueCost.Synthetic;

/// <summary>
/// FOCUS rows for one synthetic day: the GPU pools, egress, storage, a load balancer, two
/// observability vendors, engineering labour, an unclassifiable SaaS line, and a late credit.
/// Egress and the observability vendors scale with the day's <paramref name="load"/> (1 for the busiest day).
/// </summary>
public sealed class InvoiceLineGenerator(DateTimeOffset day, double load = 1.0)
{
    public IEnumerable<SyntheticRecord> Generate() => Usage().Append(LateCredit());

    /// <summary>The day's usage lines, each over the whole day.</summary>
    public IEnumerable<SyntheticRecord> Usage()
    {
        yield return Line("gpu-l40s", 4 * 1.20m * 24, "Compute", "GPU Instances", "Usage", tags: new() { ["truecost-pool"] = "l40s-pool" }, resource: "l40s-pool");
        yield return Line("gpu-h100", 8 * 3.50m * 24, "Compute", "GPU Instances", "Usage", tags: new() { ["truecost-pool"] = "h100-pool" }, resource: "h100-pool");
        yield return Line("egress", Scaled(38.40m), "Networking", "Data Transfer", "Usage");
        yield return Line("lb", 18.00m, "Networking", "Load Balancing", "Usage", tags: new() { ["truecost-driver"] = "requests" });
        yield return Line("storage", 12.00m, "Storage", "Object Storage", "Usage");
        yield return Line("datadog", Scaled(96.00m), "Management and Governance", "Datadog", "Usage", provider: "Datadog");
        yield return Line("langfuse", Scaled(20.00m), "Management and Governance", "Langfuse", "Usage", provider: "Langfuse");
        yield return Line("ml-platform-team", 3 * 800.00m, null, "ML Platform Team", "Usage", provider: "Internal",
            tags: new() { ["truecost-bucket"] = "engineering", ["truecost-routes"] = "/agent/plan,/summarize,/moderation" });
        yield return Line("on-call", 300.00m, null, "On-call rota", "Usage", provider: "Internal", tags: new() { ["truecost-bucket"] = "engineering" });
        yield return Line("mystery-saas", 5.00m, "Other", "Acme Widgets", "Usage", provider: "Acme");
    }

    /// <summary>A provider credit for three hours of degraded L40S capacity, billed as a correction after the day's traffic.</summary>
    public SyntheticRecord LateCredit() =>
        Line("credit-l40s", -6.00m, "Compute", "GPU Instances", "Credit", start: day.AddHours(10), stop: day.AddHours(13),
            tags: new() { ["truecost-pool"] = "l40s-pool" }, chargeClass: "Correction");

    private decimal Scaled(decimal busiestDay) => Math.Round(busiestDay * (decimal)load, 2);

    private SyntheticRecord Line(
        string id, decimal cost, string? category, string service, string chargeCategory, Dictionary<string, string>? tags = null,
        string? provider = null, string? resource = null, DateTimeOffset? start = null, DateTimeOffset? stop = null, string? chargeClass = null)
    {
        var month = new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var record = new InvoiceLineRecord
        {
            LineId = $"{day:yyyyMMdd}-{id}",
            BilledCost = cost,
            EffectiveCost = cost,
            ListCost = cost,
            BillingCurrency = "USD",
            BillingAccountId = "acct-001",
            BillingPeriodStart = month,
            BillingPeriodEnd = month.AddMonths(1),
            ChargePeriodStart = start ?? day,
            ChargePeriodEnd = stop ?? day.AddDays(1),
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
