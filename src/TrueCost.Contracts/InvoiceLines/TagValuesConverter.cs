using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrueCost.Contracts.InvoiceLines;

/// <summary>
/// Reads FOCUS Tags (KeyValueFormat: string, number, boolean or null values) into the contract's string values,
/// the same way the CSV importer does: a string as is, a number or false as its JSON text, true (FOCUS's mark for
/// a key-only tag) as an empty string; a null value carries nothing and is dropped. Objects and arrays are not
/// FOCUS tag values and are rejected.
/// </summary>
public sealed class TagValuesConverter : JsonConverter<IReadOnlyDictionary<string, string>>
{
    public override IReadOnlyDictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Tags is {reader.TokenType}, expected a JSON object of tag keys and values");
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            if (!seen.Add(key))
            {
                throw new JsonException($"Tags names the tag '{key}' twice; FOCUS tag keys are unique");
            }

            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    tags[key] = reader.GetString()!;
                    break;
                case JsonTokenType.Number:
                    tags[key] = Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
                    break;
                case JsonTokenType.True:
                    tags[key] = string.Empty;
                    break;
                case JsonTokenType.False:
                    tags[key] = "false";
                    break;
                case JsonTokenType.Null:
                    break;
                default:
                    throw new JsonException($"Tags['{key}'] is {reader.TokenType}; FOCUS tag values are strings, numbers, booleans or null");
            }
        }

        return tags;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, text) in value)
        {
            writer.WriteString(key, text);
        }

        writer.WriteEndObject();
    }
}
