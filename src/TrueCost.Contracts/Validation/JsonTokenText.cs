using System.Buffers;
using System.Text;
using System.Text.Json;

namespace TrueCost.Contracts.Validation;

/// <summary>How the wire converters name the token they were given instead of the one they expected.</summary>
internal static class JsonTokenText
{
    public static string Raw(ref Utf8JsonReader reader) =>
        Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);

    /// <summary>
    /// The reader only finds broken UTF-8 or an unpaired surrogate escape when asked for the text,
    /// and the serializer would then report just "could not be converted".
    /// </summary>
    public static string Text(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw Undecodable(e);
        }
    }

    /// <summary>
    /// Copies the string token's text into <paramref name="buffer"/> without allocating, decoded as
    /// <see cref="Text(ref Utf8JsonReader)"/> decodes it; false when it might not fit.
    /// </summary>
    public static bool TryCopy(ref Utf8JsonReader reader, scoped Span<char> buffer, out int written)
    {
        // A UTF-8 token never decodes to more UTF-16 chars than it has bytes.
        if ((reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length) > buffer.Length)
        {
            written = 0;
            return false;
        }

        try
        {
            written = reader.CopyString(buffer);
            return true;
        }
        catch (InvalidOperationException e)
        {
            throw Undecodable(e);
        }
    }

    private static JsonException Undecodable(InvalidOperationException e) =>
        new("the string is not valid UTF-8 or holds an unpaired surrogate escape", e);

    public static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => $"string {FieldRules.Quote(Text(ref reader))}",
        JsonTokenType.Number => $"number {Raw(ref reader)}",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => reader.TokenType.ToString(),
    };
}
