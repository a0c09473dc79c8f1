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
    /// <summary>Longer than any RFC 3339 date-time the shape accepts (35 characters at most).</summary>
    private const int MaxLength = 64;

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected an RFC 3339 date-time string, got {JsonTokenText.Describe(ref reader)}");
        }

        Span<char> buffer = stackalloc char[MaxLength];
        var text = JsonTokenText.TryCopy(ref reader, buffer, out var written) ? buffer[..written] : JsonTokenText.Text(ref reader).AsSpan();
        if (!Shape().IsMatch(text))
        {
            throw new JsonException($"{FieldRules.Quote(text.ToString())} is not an RFC 3339 date-time such as 2026-10-01T00:00:00Z");
        }

        // The shape ends in seconds (a digit) unless an offset follows: Z, or ±hh:mm.
        if (text[^1] != 'Z' && text[^6] is not ('+' or '-'))
        {
            throw new JsonException($"{FieldRules.Quote(text.ToString())} has no UTC offset, so its instant is ambiguous; send UTC with a Z suffix");
        }

        return reader.TryGetDateTimeOffset(out var value)
            ? value
            : throw new JsonException($"{FieldRules.Quote(text.ToString())} is not a real date and time");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);

    /// <summary>[0-9] rather than \d, which in .NET also matches non-ASCII digits; \z rather than $, which allows a trailing newline.</summary>
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?(Z|[+-][0-9]{2}:[0-9]{2})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
