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
        ?? NotBlank("x_ImportScope", r.ImportScope)
        ?? NotBlank("x_ImportId", r.ImportId)
        ?? UnknownColumn(r.Extensions)
        ?? Decodable("column", r.Extensions)
        ?? Decodable("SkuPriceDetails key", r.SkuPriceDetails?.Other)
        ?? OneOf("BillingCurrency", r.BillingCurrency, CurrencyCodes.Known)
        ?? OneOf("ChargeCategory", r.ChargeCategory, ChargeCategories.All)
        ?? (IsNull(r.ChargeClass) || r.ChargeClass == ChargeClasses.Correction
            ? null
            : $"ChargeClass {Quote(r.ChargeClass)} is not allowed; FOCUS allows only \"{ChargeClasses.Correction}\" or null")
        ?? Allowed("ServiceCategory", r.ServiceCategory, ServiceCategories.All)
        ?? Allowed("CommitmentDiscountStatus", r.CommitmentDiscountStatus, CommitmentDiscountStatuses.All)
        ?? Allowed("CommitmentDiscountCategory", r.CommitmentDiscountCategory, CommitmentDiscountCategories.All)
        ?? TimestampRules.Check("ChargePeriodStart", r.ChargePeriodStart, now)
        ?? TimestampRules.CheckUtc("ChargePeriodEnd", r.ChargePeriodEnd)
        ?? Period("ChargePeriod", r.ChargePeriodStart, r.ChargePeriodEnd)
        ?? BillingPeriod(r)
        ?? Pricing(r)
        ?? (r.ConsumedQuantity is { } consumed && IsNull(r.ConsumedUnit) ? $"ConsumedQuantity {Show(consumed)} has no ConsumedUnit" : null)
        ?? (r.SkuPriceDetails is { } sku ? SkuPrice(sku) : null)
        ?? (r.Tags is { } tags ? Tags(tags) : null);

    /// <summary>
    /// FOCUS writes null, never an empty string; but a CSV has no null, so JSON converted from one carries "".
    /// For the columns with allowed values an empty string is read as the null it stands for.
    /// </summary>
    private static bool IsNull(string? value) => string.IsNullOrEmpty(value);

    private static string? Allowed(string field, string? value, IReadOnlySet<string> allowed) =>
        IsNull(value) ? null : OneOf(field, value, allowed);

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

    private static string? Pricing(InvoiceLineRecord r) =>
        r.PricingQuantity is { } quantity && string.IsNullOrWhiteSpace(r.PricingUnit)
            ? $"PricingQuantity {Show(quantity)} has no PricingUnit"
            : NotBlank("PricingUnit", r.PricingUnit);

    /// <summary>
    /// FOCUS (SkuPriceDetails, AI model billing and prompt caching examples): TokenCacheAction describes request
    /// tokens only, so it must not sit on an Output SKU; it may appear without TokenDirection, which is only a SHOULD.
    /// </summary>
    private static string? SkuPrice(SkuPriceDetails sku) =>
        NotBlank("SkuPriceDetails.ModelId", sku.ModelId)
        ?? Allowed("SkuPriceDetails.TokenDirection", sku.TokenDirection, TokenDirections.All)
        ?? Allowed("SkuPriceDetails.TokenType", sku.TokenType, TokenDirections.All)
        ?? (sku.TokenDirection is { Length: > 0 } direction && sku.TokenType is { Length: > 0 } type && direction != type
            ? $"SkuPriceDetails.TokenDirection {Quote(direction)} contradicts SkuPriceDetails.TokenType {Quote(type)}"
            : null)
        ?? Allowed("SkuPriceDetails.TokenCacheAction", sku.TokenCacheAction, TokenCacheActions.All)
        ?? (!IsNull(sku.TokenCacheAction) && sku.Direction == TokenDirections.Output
            ? $"SkuPriceDetails.TokenCacheAction {Quote(sku.TokenCacheAction)} is on TokenDirection \"{TokenDirections.Output}\"; FOCUS cache actions describe input (request) tokens only"
            : null);

    /// <summary>Tag values arrive as strings (see <see cref="TagValuesConverter"/>); a tag still needs a key.</summary>
    private static string? Tags(IReadOnlyDictionary<string, string> tags) =>
        tags.Keys.Any(string.IsNullOrWhiteSpace) ? "Tags has an empty key" : null;

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
