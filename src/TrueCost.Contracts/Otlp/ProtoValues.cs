namespace TrueCost.Contracts.Otlp;

/// <summary>
/// Reads the common OTLP messages from protobuf (<c>KeyValue</c>, <c>AnyValue</c>, <c>Resource</c>,
/// <c>InstrumentationScope</c>) into the value shapes <see cref="OtlpSpan"/> documents.
/// </summary>
internal static class ProtoValues
{
    /// <summary>Adds one <c>KeyValue</c> message to <paramref name="into"/>; a later duplicate key wins.</summary>
    public static void ReadKeyValue(ProtoReader r, Dictionary<string, object?> into)
    {
        string? key = null;
        object? value = null;
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (1, WireType.Len):
                    key = r.ReadString();
                    break;
                case (2, WireType.Len):
                    value = ReadAnyValue(r.ReadMessage());
                    break;
                case var (field, type):
                    r.Skip(field, type);
                    break;
            }
        }

        if (string.IsNullOrEmpty(key))
        {
            throw ProtoReader.Fail($"attribute at byte {r.Origin} has an empty key");
        }

        into[key] = value;
    }

    /// <summary>The name of an <c>InstrumentationScope</c> message (field 1), null when it has none.</summary>
    public static string? ReadScopeName(ProtoReader r)
    {
        string? name = null;
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (1, WireType.Len):
                    name = r.ReadString();
                    break;
                case var (field, type):
                    r.Skip(field, type);
                    break;
            }
        }

        return string.IsNullOrEmpty(name) ? null : name;
    }

    private static object? ReadAnyValue(ProtoReader r)
    {
        object? value = null;
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (1, WireType.Len):
                    value = r.ReadString();
                    break;
                case (2, WireType.Varint):
                    value = r.ReadVarint() != 0;
                    break;
                case (3, WireType.Varint):
                    value = unchecked((long)r.ReadVarint());
                    break;
                case (4, WireType.Fixed64):
                    value = r.ReadDouble();
                    break;
                case (5, WireType.Len):
                    value = ReadArray(r.ReadMessage());
                    break;
                case (6, WireType.Len):
                    value = ReadKeyValueList(r.ReadMessage());
                    break;
                case (7, WireType.Len):
                    value = r.ReadBytes().ToArray();
                    break;
                case var (field, type):
                    r.Skip(field, type);
                    break;
            }
        }

        return value;
    }

    private static List<object?> ReadArray(ProtoReader r)
    {
        var values = new List<object?>();
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (1, WireType.Len):
                    values.Add(ReadAnyValue(r.ReadMessage()));
                    break;
                case var (field, type):
                    r.Skip(field, type);
                    break;
            }
        }

        return values;
    }

    /// <summary>
    /// The key-values of a message whose field 1 is <c>repeated KeyValue</c>: a <c>Resource</c>'s attributes
    /// or a <c>KeyValueList</c>'s values.
    /// </summary>
    public static Dictionary<string, object?> ReadKeyValueList(ProtoReader r)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (1, WireType.Len):
                    ReadKeyValue(r.ReadMessage(), values);
                    break;
                case var (field, type):
                    r.Skip(field, type);
                    break;
            }
        }

        return values;
    }
}
