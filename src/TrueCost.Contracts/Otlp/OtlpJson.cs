using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TrueCost.Contracts.Otlp;

/// <summary>
/// The OTLP JSON encoding: the proto3 JSON mapping (lowerCamelCase names, the original snake_case names also
/// accepted, 64-bit integers as decimal strings or numbers, enums as integers or names, unknown fields ignored)
/// with OTLP's one deviation, trace and span ids as hex instead of base64.
/// </summary>
internal static class OtlpJson
{
    /// <summary>Parses the whole body; a syntax error makes the message unreadable.</summary>
    public static JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException e)
        {
            throw Fail($"invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of the line: {e.Message}");
        }
    }

    /// <summary>The properties of an object, named in lowerCamelCase whichever way the producer spelled them.</summary>
    public static IEnumerable<(string Name, JsonElement Value)> Fields(JsonElement obj, string what)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            throw Fail($"{what} is {Describe(obj)}, expected an object");
        }

        foreach (var p in obj.EnumerateObject())
        {
            // proto3 JSON: null stands for the field's default, i.e. the field is absent.
            if (p.Value.ValueKind != JsonValueKind.Null)
            {
                yield return (Camel(p.Name), p.Value);
            }
        }
    }

    /// <summary>The elements of a repeated field.</summary>
    public static JsonElement.ArrayEnumerator Items(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : throw Fail($"{field} is {Describe(value)}, expected an array");

    /// <summary>The object's UTF-8 text exactly as it arrived.</summary>
    public static ReadOnlyMemory<byte> Content(JsonElement value) => Encoding.UTF8.GetBytes(value.GetRawText());

    public static string String(JsonElement value, string field) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Fail($"{field} is {Describe(value)}, expected a string");

    public static bool Bool(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Fail($"{field} is {Describe(value)}, expected true or false"),
    };

    /// <summary>An int64 (or int32): a decimal string or a JSON number without a fraction.</summary>
    public static long Int64(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n))
        {
            return n;
        }

        if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out n))
        {
            return n;
        }

        throw Fail($"{field} is {Describe(value)}, expected a whole number (a decimal string or a JSON number)");
    }

    /// <summary>A fixed64 nanosecond timestamp; above <see cref="long.MaxValue"/> (year 2262) is refused.</summary>
    public static long UnixNano(JsonElement value, string field)
    {
        var nanos = Int64(value, field);
        return nanos >= 0 ? nanos : throw Fail($"{field} {nanos} is negative, expected nanoseconds since 1970-01-01");
    }

    /// <summary>A double: a JSON number, or a string holding a number, <c>NaN</c>, <c>Infinity</c> or <c>-Infinity</c>.</summary>
    public static double Double(JsonElement value, string field)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }

        if (value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        throw Fail($"{field} is {Describe(value)}, expected a number");
    }

    /// <summary>An enum: its number, or its name from <paramref name="names"/> (indexed by number).</summary>
    public static int Enum(JsonElement value, string field, string[] names)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            var index = Array.IndexOf(names, value.GetString());
            return index >= 0 ? index : throw Fail($"{field} is {Describe(value)}, expected a number or one of {string.Join(", ", names)}");
        }

        var n = Int64(value, field);
        return n is >= int.MinValue and <= int.MaxValue ? (int)n : throw Fail($"{field} {n} is out of range for an enum");
    }

    /// <summary>A trace or span id: hex, either case.</summary>
    public static byte[] Hex(JsonElement value, string field)
    {
        var text = String(value, field);
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException)
        {
            throw Fail($"{field} '{Clip(text)}' is not hex");
        }
    }

    /// <summary>Adds a <c>KeyValue</c> array to <paramref name="into"/>; a later duplicate key wins.</summary>
    public static void Attributes(JsonElement array, string field, Dictionary<string, object?> into)
    {
        foreach (var item in Items(array, field))
        {
            string? key = null;
            object? value = null;
            foreach (var (name, v) in Fields(item, $"an element of {field}"))
            {
                switch (name)
                {
                    case "key":
                        key = String(v, $"a key in {field}");
                        break;
                    case "value":
                        value = AnyValue(v, $"{field} '{key}'");
                        break;
                }
            }

            if (string.IsNullOrEmpty(key))
            {
                throw Fail($"an element of {field} has no key");
            }

            into[key] = value;
        }
    }

    /// <summary>The attributes of a <c>Resource</c> object.</summary>
    public static Dictionary<string, object?> Resource(JsonElement resource)
    {
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, v) in Fields(resource, "resource"))
        {
            if (name == "attributes")
            {
                Attributes(v, "resource attributes", attributes);
            }
        }

        return attributes;
    }

    /// <summary>The name of an <c>InstrumentationScope</c> object, null when it has none.</summary>
    public static string? ScopeName(JsonElement scope)
    {
        string? scopeName = null;
        foreach (var (name, v) in Fields(scope, "scope"))
        {
            if (name == "name")
            {
                scopeName = String(v, "scope name");
            }
        }

        return string.IsNullOrEmpty(scopeName) ? null : scopeName;
    }

    public static OtlpFormatException Fail(string reason) => new($"otlp_json: {reason}");

    private static object? AnyValue(JsonElement value, string field)
    {
        object? result = null;
        foreach (var (name, v) in Fields(value, field))
        {
            result = name switch
            {
                "stringValue" => String(v, field),
                "boolValue" => Bool(v, field),
                "intValue" => Int64(v, field),
                "doubleValue" => Double(v, field),
                "bytesValue" => Base64(v, field),
                "arrayValue" => ArrayValue(v, field),
                "kvlistValue" => KeyValueListValue(v, field),
                _ => result,
            };
        }

        return result;
    }

    private static List<object?> ArrayValue(JsonElement value, string field)
    {
        var values = new List<object?>();
        foreach (var (name, v) in Fields(value, field))
        {
            if (name == "values")
            {
                foreach (var item in Items(v, field))
                {
                    values.Add(AnyValue(item, field));
                }
            }
        }

        return values;
    }

    private static Dictionary<string, object?> KeyValueListValue(JsonElement value, string field)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, v) in Fields(value, field))
        {
            if (name == "values")
            {
                Attributes(v, field, values);
            }
        }

        return values;
    }

    /// <summary>proto3 JSON bytes: standard or URL-safe base64, padding optional.</summary>
    private static byte[] Base64(JsonElement value, string field)
    {
        var text = String(value, field);
        var standard = text.Replace('-', '+').Replace('_', '/');
        standard = standard.PadRight(standard.Length + ((4 - (standard.Length % 4)) % 4), '=');
        try
        {
            return Convert.FromBase64String(standard);
        }
        catch (FormatException)
        {
            throw Fail($"{field} bytesValue '{Clip(text)}' is not base64");
        }
    }

    private static string Camel(string name)
    {
        if (!name.Contains('_', StringComparison.Ordinal))
        {
            return name;
        }

        var sb = new StringBuilder(name.Length);
        var upper = false;
        foreach (var c in name)
        {
            if (c == '_')
            {
                upper = true;
                continue;
            }

            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return sb.ToString();
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string '{Clip(value.GetString()!)}'",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => Clip(value.GetRawText()),
    };

    private static string Clip(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}
