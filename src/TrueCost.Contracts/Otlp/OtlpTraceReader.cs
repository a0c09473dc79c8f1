using System.Text.Json;

namespace TrueCost.Contracts.Otlp;

/// <summary>
/// Decodes an OTLP <c>ExportTraceServiceRequest</c> (resource spans, scope spans, spans) from
/// <c>otlp_proto</c> or <c>otlp_json</c> into one entry per span. A span that cannot be used is an entry
/// with its error and its own bytes, and the rest of the message is still read; a message whose structure
/// cannot be read at all throws <see cref="OtlpFormatException"/>.
/// </summary>
public static class OtlpTraceReader
{
    private static readonly string[] SpanKinds =
    [
        "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
    ];

    private static readonly string[] StatusCodes = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

    private static readonly Dictionary<string, object?> NoAttributes = new(StringComparer.Ordinal);

    public static IReadOnlyList<OtlpSpanEntry> Read(ReadOnlyMemory<byte> body, OtlpEncoding encoding) =>
        OtlpBody.Resolve(body.Span, encoding) == OtlpEncoding.OtlpJson ? ReadJson(body) : ReadProto(body);

    private static OtlpSpanEntry Entry(
        string prefix, string path, ReadOnlyMemory<byte> content, IReadOnlyDictionary<string, object?> resource, string? scopeName, Func<SpanFields> read)
    {
        try
        {
            var (span, error) = read().Check(resource, scopeName);
            return new OtlpSpanEntry(span, error is null ? null : OtlpBody.Located($"{prefix}: {error}", path), content);
        }
        catch (OtlpFormatException e)
        {
            return new OtlpSpanEntry(null, OtlpBody.Located(e.Message, path), content);
        }
    }

    private static List<OtlpSpanEntry> ReadProto(ReadOnlyMemory<byte> body)
    {
        var entries = new List<OtlpSpanEntry>();
        OtlpBody.ForEachProto(body, "resourceSpans", (r, path) => ReadProtoResourceSpans(r, path, entries));
        return entries;
    }

    private static void ReadProtoResourceSpans(ProtoReader r, string path, List<OtlpSpanEntry> entries)
    {
        var (resource, scopes) = r.ReadContainer();
        var attributes = resource is { } message ? ProtoValues.ReadKeyValueList(message) : NoAttributes;
        for (var i = 0; i < scopes.Count; i++)
        {
            ReadProtoScopeSpans(scopes[i], attributes, $"{path}.scopeSpans[{i}]", entries);
        }
    }

    private static void ReadProtoScopeSpans(ProtoReader r, IReadOnlyDictionary<string, object?> resource, string path, List<OtlpSpanEntry> entries)
    {
        var (scope, spans) = r.ReadContainer();
        var scopeName = scope is { } message ? ProtoValues.ReadScopeName(message) : null;
        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            entries.Add(Entry(OtlpBody.Proto, $"{path}.spans[{i}]", span.Content, resource, scopeName, () => ReadProtoSpan(span)));
        }
    }

    private static SpanFields ReadProtoSpan(ProtoReader r)
    {
        var s = new SpanFields();
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (1, WireType.Len):
                    s.TraceId = r.ReadBytes().ToArray();
                    break;
                case (2, WireType.Len):
                    s.SpanId = r.ReadBytes().ToArray();
                    break;
                case (5, WireType.Len):
                    s.Name = r.ReadString();
                    break;
                case (6, WireType.Varint):
                    s.Kind = unchecked((int)r.ReadVarint());
                    break;
                case (7, WireType.Fixed64):
                    s.StartTimeUnixNano = r.ReadUnixNano("start_time_unix_nano");
                    break;
                case (8, WireType.Fixed64):
                    s.EndTimeUnixNano = r.ReadUnixNano("end_time_unix_nano");
                    break;
                case (9, WireType.Len):
                    ProtoValues.ReadKeyValue(r.ReadMessage(), s.Attributes);
                    break;
                case (11, WireType.Len):
                    s.Events.Add(ReadProtoEvent(r.ReadMessage()));
                    break;
                case (15, WireType.Len):
                    ReadProtoStatus(r.ReadMessage(), s);
                    break;
                case var (field, type):
                    r.Skip(field, type);
                    break;
            }
        }

        return s;
    }

    private static OtlpSpanEvent ReadProtoEvent(ProtoReader r)
    {
        long time = 0;
        var name = string.Empty;
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (1, WireType.Fixed64):
                    time = r.ReadUnixNano("event time_unix_nano");
                    break;
                case (2, WireType.Len):
                    name = r.ReadString();
                    break;
                case (3, WireType.Len):
                    ProtoValues.ReadKeyValue(r.ReadMessage(), attributes);
                    break;
                case var (field, type):
                    r.Skip(field, type);
                    break;
            }
        }

        return new OtlpSpanEvent(name, time, attributes);
    }

    private static void ReadProtoStatus(ProtoReader r, SpanFields s)
    {
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (2, WireType.Len):
                    s.StatusMessage = r.ReadString();
                    break;
                case (3, WireType.Varint):
                    s.StatusCode = unchecked((int)r.ReadVarint());
                    break;
                case var (field, type):
                    r.Skip(field, type);
                    break;
            }
        }
    }

    private static List<OtlpSpanEntry> ReadJson(ReadOnlyMemory<byte> body)
    {
        var entries = new List<OtlpSpanEntry>();
        OtlpBody.ForEachJson(body, "resourceSpans", (element, path) => ReadJsonResourceSpans(element, path, entries));
        return entries;
    }

    private static void ReadJsonResourceSpans(JsonElement element, string path, List<OtlpSpanEntry> entries)
    {
        IReadOnlyDictionary<string, object?> resource = NoAttributes;
        var scopes = new List<JsonElement>();
        foreach (var (name, value) in OtlpJson.Fields(element, path))
        {
            switch (name)
            {
                case "resource":
                    resource = OtlpJson.Resource(value);
                    break;
                case "scopeSpans":
                    scopes.AddRange(OtlpJson.Items(value, $"{path}.scopeSpans"));
                    break;
            }
        }

        for (var i = 0; i < scopes.Count; i++)
        {
            ReadJsonScopeSpans(scopes[i], resource, $"{path}.scopeSpans[{i}]", entries);
        }
    }

    private static void ReadJsonScopeSpans(JsonElement element, IReadOnlyDictionary<string, object?> resource, string path, List<OtlpSpanEntry> entries)
    {
        string? scopeName = null;
        var spans = new List<JsonElement>();
        foreach (var (name, value) in OtlpJson.Fields(element, path))
        {
            switch (name)
            {
                case "scope":
                    scopeName = OtlpJson.ScopeName(value);
                    break;
                case "spans":
                    spans.AddRange(OtlpJson.Items(value, $"{path}.spans"));
                    break;
            }
        }

        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            entries.Add(Entry(OtlpBody.Json, $"{path}.spans[{i}]", OtlpJson.Content(span), resource, scopeName, () => ReadJsonSpan(span)));
        }
    }

    private static SpanFields ReadJsonSpan(JsonElement element)
    {
        var s = new SpanFields();
        foreach (var (name, v) in OtlpJson.Fields(element, "the span"))
        {
            switch (name)
            {
                case "traceId":
                    s.TraceId = OtlpJson.Hex(v, name);
                    break;
                case "spanId":
                    s.SpanId = OtlpJson.Hex(v, name);
                    break;
                case "name":
                    s.Name = OtlpJson.String(v, name);
                    break;
                case "kind":
                    s.Kind = OtlpJson.Enum(v, name, SpanKinds);
                    break;
                case "startTimeUnixNano":
                    s.StartTimeUnixNano = OtlpJson.UnixNano(v, name);
                    break;
                case "endTimeUnixNano":
                    s.EndTimeUnixNano = OtlpJson.UnixNano(v, name);
                    break;
                case "attributes":
                    OtlpJson.Attributes(v, "span attributes", s.Attributes);
                    break;
                case "events":
                    foreach (var e in OtlpJson.Items(v, name))
                    {
                        s.Events.Add(ReadJsonEvent(e));
                    }

                    break;
                case "status":
                    ReadJsonStatus(v, s);
                    break;
            }
        }

        return s;
    }

    private static OtlpSpanEvent ReadJsonEvent(JsonElement element)
    {
        long time = 0;
        var eventName = string.Empty;
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, v) in OtlpJson.Fields(element, "an event"))
        {
            switch (name)
            {
                case "timeUnixNano":
                    time = OtlpJson.UnixNano(v, "event timeUnixNano");
                    break;
                case "name":
                    eventName = OtlpJson.String(v, "event name");
                    break;
                case "attributes":
                    OtlpJson.Attributes(v, "event attributes", attributes);
                    break;
            }
        }

        return new OtlpSpanEvent(eventName, time, attributes);
    }

    private static void ReadJsonStatus(JsonElement element, SpanFields s)
    {
        foreach (var (name, v) in OtlpJson.Fields(element, "status"))
        {
            switch (name)
            {
                case "message":
                    s.StatusMessage = OtlpJson.String(v, "status message");
                    break;
                case "code":
                    s.StatusCode = OtlpJson.Enum(v, "status code", StatusCodes);
                    break;
            }
        }
    }
}
