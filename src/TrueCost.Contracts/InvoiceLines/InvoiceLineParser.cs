using System.Text.Json;
using TrueCost.Contracts.Validation;
using static TrueCost.Contracts.Validation.FieldRules;

namespace TrueCost.Contracts.InvoiceLines;

/// <summary>Parses and validates FOCUS invoice lines; every rejection names the column and value.</summary>
public sealed class InvoiceLineParser(TimeProvider clock) : IRecordParser<InvoiceLineRecord>
{
    /// <summary>A charge or billing period longer than a (leap) year is a unit or date mistake, not a real bill.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    /// <summary>FOCUS reserves the x_ prefix for provider columns; anything else unknown is a misspelt or unsupported column.</summary>
    public const string ExtensionPrefix = "x_";

    private static readonly IReadOnlyList<string> ContractColumns =
        [.. WireJson.Options.GetTypeInfo(typeof(InvoiceLineRecord)).Properties.Select(p => p.Name)];

    public ParseResult<InvoiceLineRecord> Parse(ReadOnlySpan<byte> utf8Json)
    {
        var parsed = WireJson.Deserialize<InvoiceLineRecord>(utf8Json);
        if (!parsed.IsValid)
        {
            return parsed;
        }

        var error = Validate(parsed.Record!, clock.GetUtcNow());
        return error is null ? parsed : ParseResult<InvoiceLineRecord>.Reject($"invoice line {Clip(parsed.Record!.LineId)}: {error}");
    }

    private static string? Validate(InvoiceLineRecord r, DateTimeOffset now) =>
        Required("x_LineId", r.LineId)
        ?? UnknownColumn(r.Extensions)
        ?? Decodable("column", r.Extensions)
        ?? Decodable("SkuPriceDetails key", r.SkuPriceDetails?.Other)
        ?? OneOf("BillingCurrency", r.BillingCurrency, CurrencyCodes.Known)
        ?? OneOf("ChargeCategory", r.ChargeCategory, ChargeCategories.All)
        ?? (r.ChargeClass is null or ChargeClasses.Correction
            ? null
            : $"ChargeClass {Quote(r.ChargeClass)} is not allowed; FOCUS allows only \"{ChargeClasses.Correction}\" or null")
        ?? TimestampRules.Check("ChargePeriodStart", r.ChargePeriodStart, now)
        ?? TimestampRules.CheckUtc("ChargePeriodEnd", r.ChargePeriodEnd)
        ?? Period("ChargePeriod", r.ChargePeriodStart, r.ChargePeriodEnd)
        ?? BillingPeriod(r)
        ?? CreditSign(r)
        ?? Pricing(r)
        ?? (r.SkuPriceDetails is { } sku ? SkuPrice(sku) : null)
        ?? (r.Tags is { } tags ? Tags(tags) : null);

    /// <summary>FOCUS periods are half-open [start, end): an empty one would spread its cost over no hour at all.</summary>
    private static string? Period(string name, DateTimeOffset start, DateTimeOffset end)
    {
        var (startField, endField) = ($"{name}Start", $"{name}End");
        if (end < start)
        {
            return $"{endField} {TimestampRules.Format(end)} is before {startField} {TimestampRules.Format(start)}";
        }

        if (end == start)
        {
            return $"{endField} {TimestampRules.Format(end)} equals {startField}; the end is exclusive, so the period is empty";
        }

        return end - start > MaxPeriod
            ? $"{startField} {TimestampRules.Format(start)} to {endField} {TimestampRules.Format(end)} spans {(end - start).TotalDays:0.##} days, over the {MaxPeriod.TotalDays:0}-day maximum"
            : null;
    }

    private static string? BillingPeriod(InvoiceLineRecord r) => (r.BillingPeriodStart, r.BillingPeriodEnd) switch
    {
        (null, null) => null,
        (null, _) => "BillingPeriodEnd is set but BillingPeriodStart is missing",
        (_, null) => "BillingPeriodStart is set but BillingPeriodEnd is missing",
        ({ } start, { } end) => TimestampRules.CheckUtc("BillingPeriodStart", start)
            ?? TimestampRules.CheckUtc("BillingPeriodEnd", end)
            ?? Period("BillingPeriod", start, end),
    };

    /// <summary>
    /// A credit lowers the bill. A correction may reverse a credit from an earlier billing period,
    /// which is the one case where a Credit row legitimately carries a positive amount.
    /// </summary>
    private static string? CreditSign(InvoiceLineRecord r)
    {
        if (r.ChargeCategory != ChargeCategories.Credit || r.ChargeClass == ChargeClasses.Correction)
        {
            return null;
        }

        return r.BilledCost > 0 ? $"ChargeCategory Credit has BilledCost {Show(r.BilledCost)}; a credit must be zero or negative"
            : r.EffectiveCost > 0 ? $"ChargeCategory Credit has EffectiveCost {Show(r.EffectiveCost)}; a credit must be zero or negative"
            : null;
    }

    private static string? Pricing(InvoiceLineRecord r) =>
        r.PricingQuantity is { } quantity && string.IsNullOrWhiteSpace(r.PricingUnit)
            ? $"PricingQuantity {Show(quantity)} has no PricingUnit"
            : NotBlank("PricingUnit", r.PricingUnit);

    private static string? SkuPrice(SkuPriceDetails sku) =>
        NotBlank("SkuPriceDetails.ModelId", sku.ModelId)
        ?? (sku.TokenDirection is null ? null : OneOf("SkuPriceDetails.TokenDirection", sku.TokenDirection, TokenDirections.All))
        ?? (sku.TokenCacheAction is null ? null : OneOf("SkuPriceDetails.TokenCacheAction", sku.TokenCacheAction, TokenCacheActions.All))
        ?? (sku.TokenCacheAction is not null && sku.TokenDirection != TokenDirections.Input
            ? $"SkuPriceDetails.TokenCacheAction {Quote(sku.TokenCacheAction)} needs TokenDirection \"{TokenDirections.Input}\" (cache reads and writes are input tokens), got {Quote(sku.TokenDirection)}"
            : null);

    /// <summary>
    /// The contract carries tag values as strings. The serializer lets a JSON null through into the
    /// non-nullable dictionary, so it is caught here; producers drop null tags and send FOCUS's
    /// key-only tags (value true) as an empty string.
    /// </summary>
    private static string? Tags(IReadOnlyDictionary<string, string> tags)
    {
        foreach (var (key, value) in tags)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                return "Tags has an empty key";
            }

            if (value is null)
            {
                return $"Tags[{Quote(key)}] is null; drop the tag or send a string";
            }
        }

        return null;
    }

    private static string? UnknownColumn(IDictionary<string, JsonElement>? extensions)
    {
        var unknown = extensions?.Keys.Order(StringComparer.Ordinal).FirstOrDefault(k => !k.StartsWith(ExtensionPrefix, StringComparison.Ordinal));
        if (unknown is null)
        {
            return null;
        }

        var meant = ContractColumns.FirstOrDefault(c => string.Equals(c, unknown, StringComparison.OrdinalIgnoreCase));
        return meant is not null
            ? $"column {Quote(unknown)} is not in the invoice-line v1 contract; did you mean '{meant}'?"
            : $"column {Quote(unknown)} is not in the invoice-line v1 contract; provider-specific columns need the {ExtensionPrefix} prefix";
    }
}
