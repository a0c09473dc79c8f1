using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrueCost.Contracts.Validation;

/// <summary>
/// Reads fields whose values repeat from record to record (route, tenant, model, status …) into
/// one shared string per value instead of a new string per record. An ingest batch holds thousands
/// of records until it commits, so every string saved there is one the garbage collector would
/// otherwise copy into an older generation. A fixed table of recently read values, indexed by a
/// hash of their UTF-8 bytes, keeps the memory bounded whatever the cardinality; a value that
/// misses is read as usual. Text is decoded exactly as the default string reader decodes it.
/// </summary>
public sealed class RepeatedTextConverter : JsonConverter<string>
{
    private const int Slots = 4096;

    /// <summary>Longer values are read as usual (they rarely repeat and would crowd the table).</summary>
    private const int MaxSharedBytes = 128;

    private static readonly Shared?[] Table = new Shared?[Slots];

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String || reader.HasValueSequence || reader.ValueIsEscaped || reader.ValueSpan.Length > MaxSharedBytes)
        {
            return reader.GetString();
        }

        var utf8 = reader.ValueSpan;
        var hash = new HashCode();
        hash.AddBytes(utf8);
        ref var slot = ref Table[(uint)hash.ToHashCode() % Slots];
        if (Volatile.Read(ref slot) is { } shared && utf8.SequenceEqual(shared.Utf8))
        {
            return shared.Text;
        }

        var text = reader.GetString()!;
        Volatile.Write(ref slot, new Shared(utf8.ToArray(), text));
        return text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    private sealed record Shared(byte[] Utf8, string Text);
}
