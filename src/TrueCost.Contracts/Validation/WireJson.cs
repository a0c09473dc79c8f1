using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrueCost.Contracts.Validation;

/// <summary>The JSON options every producer and consumer of TrueCost wire records uses.</summary>
public static class WireJson
{
    /// <summary>Records larger than this are rejected before parsing.</summary>
    public const int MaxRecordBytes = 64 * 1024;

    /// <summary>Rejection reasons travel in a Kafka header; the serializer's own message is clipped to this.</summary>
    private const int MaxDetailLength = 512;

    public static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        // A record naming a field twice is ambiguous; last-one-wins would hide which value the producer meant.
        AllowDuplicateProperties = false,
        Converters = { new Rfc3339TimestampConverter(), new FiniteDoubleConverter(), new ExactDecimalConverter() },
    };

    /// <summary>
    /// Deserializes and maps System.Text.Json's failures onto a reason that names the field,
    /// so a DLQ reader can act on it without the stack trace.
    /// </summary>
    public static ParseResult<T> Deserialize<T>(ReadOnlySpan<byte> utf8Json)
        where T : class
    {
        if (utf8Json.Length == 0)
        {
            return ParseResult<T>.Reject("empty record value");
        }

        if (utf8Json.Length > MaxRecordBytes)
        {
            return ParseResult<T>.Reject($"record is {utf8Json.Length} bytes, over the {MaxRecordBytes}-byte limit");
        }

        try
        {
            var record = JsonSerializer.Deserialize<T>(utf8Json, Options);
            return record is null
                ? ParseResult<T>.Reject("record is JSON null, expected an object")
                : ParseResult<T>.Ok(record);
        }
        catch (JsonException e)
        {
            var where = e.Path is { Length: > 0 } path ? $" at {FieldRules.Clip(path)}" : string.Empty;
            var reason = NonFiniteLiteralAt(utf8Json, e) is { } literal
                ? $"{literal} is not a JSON number; non-finite values are not allowed, send a finite number"
                : FirstSentence(e.Message);
            return ParseResult<T>.Reject($"invalid JSON{where}: {reason}");
        }
    }

    /// <summary>
    /// Producers that serialize with lax settings write bare NaN and Infinity; the reader then only
    /// says "'N' is an invalid start of a value", so look at the bytes it stopped on.
    /// </summary>
    private static string? NonFiniteLiteralAt(ReadOnlySpan<byte> utf8Json, JsonException e)
    {
        if (e.LineNumber is not { } line || e.BytePositionInLine is not { } column)
        {
            return null;
        }

        var offset = 0L;
        for (var i = 0L; i < line; i++)
        {
            var next = utf8Json[(int)offset..].IndexOf((byte)'\n');
            if (next < 0)
            {
                return null;
            }

            offset += next + 1;
        }

        offset += column;
        if (offset >= utf8Json.Length)
        {
            return null;
        }

        var rest = utf8Json[(int)offset..];
        var sign = offset > 0 && utf8Json[(int)offset - 1] == (byte)'-' ? "-" : string.Empty;
        return rest.StartsWith("NaN"u8) ? sign + "NaN"
            : rest.StartsWith("Infinity"u8) ? sign + "Infinity"
            : null;
    }

    /// <summary>
    /// Drops the reader's position suffix and its advice to C# authors ("Consider updating its
    /// nullability annotation"), and clips: the reader quotes a bad literal whole, however long.
    /// </summary>
    private static string FirstSentence(string message)
    {
        foreach (var tail in (ReadOnlySpan<string>)[". Path:", ". Consider "])
        {
            var cut = message.IndexOf(tail, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }

        return message.Length <= MaxDetailLength ? message : $"{message[..MaxDetailLength]}…";
    }
}
