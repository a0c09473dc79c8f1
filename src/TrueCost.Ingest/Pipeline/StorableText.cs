using System.Text.Json;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// PostgreSQL text and jsonb cannot hold the NUL character, yet JSON carries it legally as
/// <c>\u0000</c> and the wire contracts accept it. Such a record fails every attempt to store its
/// batch, and a batch is retried until it stores, so one record would stall its partition for good.
/// It is dead-lettered instead, before the batch is written.
/// </summary>
public static class StorableText
{
    private const int MaxShownName = 64;

    /// <summary>Null when every string in <paramref name="utf8Json"/> (already parsed as valid JSON) can be stored; else the reason.</summary>
    public static string? NulCharacterIn(ReadOnlySpan<byte> utf8Json)
    {
        // JSON has no other way to spell NUL inside a string: a raw 0x00 byte is not valid JSON.
        if (utf8Json.IndexOf(@"\u0000"u8) < 0)
        {
            return null;
        }

        var reader = new Utf8JsonReader(utf8Json);
        var property = "$";
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.PropertyName or JsonTokenType.String) || Text(ref reader) is not { } text)
            {
                continue;
            }

            if (text.Contains('\0', StringComparison.Ordinal))
            {
                var where = reader.TokenType == JsonTokenType.PropertyName ? "a field name" : $"the value of {Shown(property)}";
                return $"{where} holds the NUL character (\\u0000), which PostgreSQL cannot store; remove it before producing";
            }

            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                property = text;
            }
        }

        return null;
    }

    /// <summary>Null for a string the reader cannot decode: an unpaired surrogate in a field the contract ignores, so never stored.</summary>
    private static string? Text(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string Shown(string name) =>
        name.Length <= MaxShownName ? $"'{name}'" : $"'{name[..MaxShownName]}…'";
}
