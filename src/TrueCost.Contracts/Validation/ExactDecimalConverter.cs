using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrueCost.Contracts.Validation;

/// <summary>
/// Reads money, quantities and hours only when a decimal holds them exactly. System.Text.Json
/// silently rounds a number past 28–29 significant digits and reads 1e-40 as 0; on a bill that is
/// a changed amount nobody asked for, so such a value is rejected instead.
/// </summary>
internal sealed class ExactDecimalConverter : JsonConverter<decimal>
{
    /// <summary>Beyond this exponent no decimal can hold a non-zero value, so there is no need to read further.</summary>
    private const int MaxExponent = 64;

    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw new JsonException($"expected a JSON number, got {JsonTokenText.Describe(ref reader)}");
        }

        var text = JsonTokenText.Raw(ref reader);
        if (!reader.TryGetDecimal(out var value))
        {
            throw new JsonException($"{text} is outside the range of a decimal");
        }

        return Normalize(text) is { } sent && sent == Normalize(value.ToString(CultureInfo.InvariantCulture))
            ? value
            : throw new JsonException(
                $"{text} cannot be held exactly as a decimal (it would become {value.ToString(CultureInfo.InvariantCulture)}); a decimal keeps at most 28 decimal places and 28–29 significant digits");
    }

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value);

    /// <summary>
    /// A number as (sign, significant digits, power of ten), so 1.50, 15e-1 and 0.0015e3 compare equal;
    /// null when the exponent is too large for any decimal.
    /// </summary>
    private static (bool Negative, string Digits, long Exponent)? Normalize(string number)
    {
        var negative = number.StartsWith('-');
        var body = negative ? number[1..] : number;
        var e = body.IndexOfAny(['e', 'E']);
        long exponent = 0;
        if (e >= 0)
        {
            if (!long.TryParse(body[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)
                || Math.Abs(exponent) > MaxExponent)
            {
                return body[..e].All(c => c is '0' or '.') ? (false, string.Empty, 0) : null;
            }

            body = body[..e];
        }

        var point = body.IndexOf('.', StringComparison.Ordinal);
        if (point >= 0)
        {
            exponent -= body.Length - point - 1;
            body = body.Remove(point, 1);
        }

        var digits = body.TrimStart('0');
        var significant = digits.TrimEnd('0');
        return significant.Length == 0
            ? (false, string.Empty, 0)
            : (negative, significant, exponent + (digits.Length - significant.Length));
    }
}
