using System.Text.Json;

namespace TrueCost.Contracts.Otlp;

/// <summary>What the trace and metrics readers share about a message body, whichever its signal.</summary>
internal static class OtlpBody
{
    public const string Proto = "otlp_proto";

    public const string Json = "otlp_json";

    /// <summary>Settles <see cref="OtlpEncoding.Auto"/>: JSON when the first non-blank byte is <c>{</c>.</summary>
    public static OtlpEncoding Resolve(ReadOnlySpan<byte> body, OtlpEncoding encoding)
    {
        if (encoding != OtlpEncoding.Auto)
        {
            return encoding;
        }

        var first = body.IndexOfAnyExcept(" \t\r\n"u8);
        return first >= 0 && body[first] == (byte)'{' ? OtlpEncoding.OtlpJson : OtlpEncoding.OtlpProto;
    }

    /// <summary>The error of one entry: the reason, then where in the message the entry sits.</summary>
    public static string Located(string reason, string path) => $"{reason} (at {path})";

    /// <summary>
    /// Hands each element of the request's one repeated field (field 1 of <c>Export…ServiceRequest</c>) to
    /// <paramref name="read"/> with its path, <c>resourceSpans[0]</c>.
    /// </summary>
    public static void ForEachProto(ReadOnlyMemory<byte> body, string field, Action<ProtoReader, string> read)
    {
        var r = new ProtoReader(body);
        var index = 0;
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (1, WireType.Len):
                    read(r.ReadMessage(), $"{field}[{index++}]");
                    break;
                case var (number, type):
                    r.Skip(number, type);
                    break;
            }
        }
    }

    /// <summary>The JSON counterpart of <see cref="ForEachProto"/>.</summary>
    public static void ForEachJson(ReadOnlyMemory<byte> body, string field, Action<JsonElement, string> read)
    {
        using var document = OtlpJson.Parse(body);
        foreach (var (name, value) in OtlpJson.Fields(document.RootElement, "the message"))
        {
            if (name != field)
            {
                continue;
            }

            var index = 0;
            foreach (var element in OtlpJson.Items(value, field))
            {
                read(element, $"{field}[{index++}]");
            }
        }
    }
}
