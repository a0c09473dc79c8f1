using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace TrueCost.Contracts.Validation;

/// <summary>
/// Reads timestamps only in RFC 3339 form with an explicit offset. System.Text.Json alone also
/// takes a bare date, and reads a timestamp without an offset in the consumer's local zone, so the
/// same record would mean different instants on different machines.
/// </summary>
internal sealed partial class Rfc3339TimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected an RFC 3339 date-time string, got {JsonTokenText.Describe(ref reader)}");
        }

        var text = JsonTokenText.Text(ref reader);
        var shape = Shape().Match(text);
        if (!shape.Success)
        {
            throw new JsonException($"{FieldRules.Quote(text)} is not an RFC 3339 date-time such as 2026-10-01T00:00:00Z");
        }

        if (!shape.Groups["offset"].Success)
        {
            throw new JsonException($"{FieldRules.Quote(text)} has no UTC offset, so its instant is ambiguous; send UTC with a Z suffix");
        }

        return reader.TryGetDateTimeOffset(out var value)
            ? value
            : throw new JsonException($"{FieldRules.Quote(text)} is not a real date and time");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);

    /// <summary>[0-9] rather than \d, which in .NET also matches non-ASCII digits; \z rather than $, which allows a trailing newline.</summary>
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?(?<offset>Z|[+-][0-9]{2}:[0-9]{2})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
