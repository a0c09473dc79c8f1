using System.Globalization;
using System.IO.Compression;
using System.Text.Json.Nodes;

namespace TrueCost.IntegrationTests.Otlp;

/// <summary>
/// An OTLP/JSON <c>ExportTraceServiceRequest</c> written the way opentelemetry-proto's examples/trace.json
/// shows it: hex trace and span ids, 64-bit integers (times, intValue) as decimal strings, enums as numbers.
/// The .NET exporter cannot send JSON (opentelemetry-dotnet #5764), so the JSON path is tested with this.
/// </summary>
public sealed class OtlpJsonRequest
{
    /// <summary><c>SPAN_KIND_SERVER</c> and <c>SPAN_KIND_CLIENT</c>.</summary>
    public const int Server = 2;
    public const int Client = 3;

    private readonly JsonArray _resourceSpans = [];

    /// <summary>Adds a resource with the given attributes and one scope holding <paramref name="spans"/> (copies, so one attribute list serves several requests).</summary>
    public OtlpJsonRequest Resource(IEnumerable<JsonObject> attributes, params JsonObject[] spans)
    {
        _resourceSpans.Add(new JsonObject
        {
            ["resource"] = new JsonObject { ["attributes"] = new JsonArray([.. attributes.Select(a => a.DeepClone())]) },
            ["scopeSpans"] = new JsonArray(new JsonObject
            {
                ["scope"] = new JsonObject { ["name"] = "TrueCost.IntegrationTests.Otlp", ["version"] = "1.0.0" },
                ["spans"] = new JsonArray([.. spans.Select(s => s.DeepClone())]),
            }),
        });
        return this;
    }

    public byte[] ToBytes() => System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["resourceSpans"] = _resourceSpans.DeepClone() }.ToJsonString());

    public static JsonObject Span(string traceId, string spanId, string name, int kind, DateTimeOffset start, DateTimeOffset end, IEnumerable<JsonObject> attributes) => new()
    {
        ["traceId"] = traceId,
        ["spanId"] = spanId,
        ["name"] = name,
        ["kind"] = kind,
        ["startTimeUnixNano"] = UnixNanos(start),
        ["endTimeUnixNano"] = UnixNanos(end),
        ["attributes"] = new JsonArray([.. attributes]),
        ["status"] = new JsonObject(),
    };

    public static JsonObject StringValue(string key, string value) => Attribute(key, new JsonObject { ["stringValue"] = value });

    public static JsonObject IntValue(string key, long value) => Attribute(key, new JsonObject { ["intValue"] = value.ToString(CultureInfo.InvariantCulture) });

    public static JsonObject DoubleValue(string key, double value) => Attribute(key, new JsonObject { ["doubleValue"] = value });

    public static string UnixNanos(DateTimeOffset at) =>
        ((ulong)(at - DateTimeOffset.UnixEpoch).Ticks * 100UL).ToString(CultureInfo.InvariantCulture);

    public static byte[] Gzip(byte[] body)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(body);
        }

        return buffer.ToArray();
    }

    private static JsonObject Attribute(string key, JsonObject value) => new() { ["key"] = key, ["value"] = value };
}
