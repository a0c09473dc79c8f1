using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrueCost.Contracts.Validation;

/// <summary>
/// Reads measurements as finite doubles. System.Text.Json turns 1e400 into Infinity without
/// complaint and reports a quoted "NaN" only as "could not be converted"; both deserve a reason
/// that says what was wrong with the value.
/// </summary>
internal sealed class FiniteDoubleConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return reader.TryGetDouble(out var value) && double.IsFinite(value)
                ? value
                : throw new JsonException($"{JsonTokenText.Raw(ref reader)} is outside the range of a finite double");
        }

        if (reader.TokenType == JsonTokenType.String
            && double.TryParse(JsonTokenText.Text(ref reader), NumberStyles.Float, CultureInfo.InvariantCulture, out var quoted)
            && !double.IsFinite(quoted))
        {
            throw new JsonException($"{JsonTokenText.Describe(ref reader)} is not a number: JSON has no NaN or Infinity, send a finite number");
        }

        throw new JsonException($"expected a JSON number, got {JsonTokenText.Describe(ref reader)}");
    }

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value);
}
