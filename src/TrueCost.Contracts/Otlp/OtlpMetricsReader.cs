using System.Text.Json;
using TrueCost.Contracts.Metrics;

namespace TrueCost.Contracts.Otlp;

/// <summary>
/// Decodes an OTLP <c>ExportMetricsServiceRequest</c> from <c>otlp_proto</c> or <c>otlp_json</c> into one
/// entry per data point. Gauges are <see cref="MetricKind.Gauge"/>; sums are <see cref="MetricKind.Counter"/>
/// (monotonic, cumulative), <see cref="MetricKind.Delta"/> (delta) or <see cref="MetricKind.Gauge"/>
/// (non-monotonic, cumulative); histograms, exponential histograms and summaries are
/// <see cref="MetricKind.Other"/> with their sum (or 0) as the value. A point that cannot be used is an entry
/// with its error and its own bytes; a message whose structure cannot be read throws
/// <see cref="OtlpFormatException"/>.
/// </summary>
public static class OtlpMetricsReader
{
    private const int Delta = 1;
    private const int Cumulative = 2;

    private static readonly string[] Temporalities =
        ["AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA", "AGGREGATION_TEMPORALITY_CUMULATIVE"];

    private static readonly Dictionary<string, string> NoLabels = new(StringComparer.Ordinal);

    public static IReadOnlyList<MetricPointEntry> Read(ReadOnlyMemory<byte> body, OtlpEncoding encoding) =>
        OtlpBody.Resolve(body.Span, encoding) == OtlpEncoding.OtlpJson ? ReadJson(body) : ReadProto(body);

    /// <summary>Which of the metric's <c>data</c> oneof was set, with the fields of that message TrueCost reads.</summary>
    private sealed record Data<T>(string Type, List<T> Points, int Temporality, bool IsMonotonic);

    private static (MetricKind Kind, string? Error) KindOf<T>(Data<T> data) => data.Type switch
    {
        "gauge" => (MetricKind.Gauge, null),
        "sum" => data.Temporality switch
        {
            Delta => (MetricKind.Delta, null),
            Cumulative => (data.IsMonotonic ? MetricKind.Counter : MetricKind.Gauge, null),
            _ => (MetricKind.Other, $"sum has aggregation temporality {data.Temporality}, expected 1 (delta) or 2 (cumulative)"),
        },
        _ => (MetricKind.Other, null),
    };

    private static void AddPoints<T>(
        List<MetricPointEntry> entries,
        string prefix,
        string path,
        string metric,
        Data<T> data,
        IReadOnlyDictionary<string, string> resourceLabels,
        Func<T, ReadOnlyMemory<byte>> content,
        Func<T, PointFields> read)
    {
        var (kind, kindError) = KindOf(data);
        for (var i = 0; i < data.Points.Count; i++)
        {
            var point = data.Points[i];
            var at = $"{path}.{data.Type}.dataPoints[{i}]";
            try
            {
                var (checkedPoint, error) = kindError is null ? read(point).Check(metric, kind, resourceLabels) : (null, $"metric '{metric}': {kindError}");
                entries.Add(new MetricPointEntry(checkedPoint, error is null ? null : OtlpBody.Located($"{prefix}: {error}", at), content(point)));
            }
            catch (OtlpFormatException e)
            {
                entries.Add(new MetricPointEntry(null, OtlpBody.Located(e.Message, at), content(point)));
            }
        }
    }

    private static List<MetricPointEntry> ReadProto(ReadOnlyMemory<byte> body)
    {
        var entries = new List<MetricPointEntry>();
        OtlpBody.ForEachProto(body, "resourceMetrics", (r, path) => ReadProtoResourceMetrics(r, path, entries));
        return entries;
    }

    private static void ReadProtoResourceMetrics(ProtoReader r, string path, List<MetricPointEntry> entries)
    {
        var (resource, scopes) = r.ReadContainer();
        var labels = resource is { } message ? PointFields.Labels(ProtoValues.ReadKeyValueList(message)) : NoLabels;
        for (var i = 0; i < scopes.Count; i++)
        {
            var metrics = scopes[i].ReadContainer().Items;
            for (var m = 0; m < metrics.Count; m++)
            {
                ReadProtoMetric(metrics[m], labels, $"{path}.scopeMetrics[{i}].metrics[{m}]", entries);
            }
        }
    }

    private static void ReadProtoMetric(ProtoReader r, IReadOnlyDictionary<string, string> labels, string path, List<MetricPointEntry> entries)
    {
        var name = string.Empty;
        Data<ProtoReader>? data = null;
        var attributesField = 0;
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (1, WireType.Len):
                    name = r.ReadString();
                    break;
                case (var field and (5 or 7 or 9 or 10 or 11), WireType.Len):
                    // The attributes field of the point message differs by data type.
                    (data, attributesField) = field switch
                    {
                        5 => (ReadProtoData(r.ReadMessage(), "gauge"), 7),
                        7 => (ReadProtoData(r.ReadMessage(), "sum"), 7),
                        9 => (ReadProtoData(r.ReadMessage(), "histogram"), 9),
                        10 => (ReadProtoData(r.ReadMessage(), "exponentialHistogram"), 1),
                        _ => (ReadProtoData(r.ReadMessage(), "summary"), 7),
                    };
                    break;
                case var (field, type):
                    r.Skip(field, type);
                    break;
            }
        }

        if (data is not null)
        {
            var isNumber = data.Type is "gauge" or "sum";
            AddPoints(entries, OtlpBody.Proto, path, name, data, labels, p => p.Content, p => ReadProtoPoint(p, attributesField, isNumber));
        }
    }

    private static Data<ProtoReader> ReadProtoData(ProtoReader r, string type)
    {
        var points = new List<ProtoReader>();
        var temporality = 0;
        var monotonic = false;
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (1, WireType.Len):
                    points.Add(r.ReadMessage());
                    break;
                case (2, WireType.Varint):
                    temporality = unchecked((int)r.ReadVarint());
                    break;
                case (3, WireType.Varint):
                    monotonic = r.ReadVarint() != 0;
                    break;
                case var (field, wire):
                    r.Skip(field, wire);
                    break;
            }
        }

        return new Data<ProtoReader>(type, points, temporality, monotonic);
    }

    /// <summary>A number point (<c>as_double</c> 4, <c>as_int</c> 6, <c>flags</c> 8) or another point (<c>sum</c> 5).</summary>
    private static PointFields ReadProtoPoint(ProtoReader r, int attributesField, bool isNumber)
    {
        var p = new PointFields();
        while (!r.End)
        {
            switch (r.ReadTag())
            {
                case (var field, WireType.Len) when field == attributesField:
                    ProtoValues.ReadKeyValue(r.ReadMessage(), p.Attributes);
                    break;
                case (3, WireType.Fixed64):
                    p.TimeUnixNano = r.ReadUnixNano("time_unix_nano");
                    break;
                case (4, WireType.Fixed64) when isNumber:
                    p.Value = r.ReadDouble();
                    break;
                case (6, WireType.Fixed64) when isNumber:
                    p.Value = unchecked((long)r.ReadFixed64());
                    break;
                case (8, WireType.Varint) when isNumber:
                    p.Flags = unchecked((uint)r.ReadVarint());
                    break;
                case (5, WireType.Fixed64) when !isNumber:
                    p.Value = r.ReadDouble();
                    break;
                case var (field, type):
                    r.Skip(field, type);
                    break;
            }
        }

        return p;
    }

    private static List<MetricPointEntry> ReadJson(ReadOnlyMemory<byte> body)
    {
        var entries = new List<MetricPointEntry>();
        OtlpBody.ForEachJson(body, "resourceMetrics", (element, path) => ReadJsonResourceMetrics(element, path, entries));
        return entries;
    }

    private static void ReadJsonResourceMetrics(JsonElement element, string path, List<MetricPointEntry> entries)
    {
        IReadOnlyDictionary<string, string> labels = NoLabels;
        var scopes = new List<JsonElement>();
        foreach (var (name, value) in OtlpJson.Fields(element, path))
        {
            switch (name)
            {
                case "resource":
                    labels = PointFields.Labels(OtlpJson.Resource(value));
                    break;
                case "scopeMetrics":
                    scopes.AddRange(OtlpJson.Items(value, $"{path}.scopeMetrics"));
                    break;
            }
        }

        for (var i = 0; i < scopes.Count; i++)
        {
            var scopePath = $"{path}.scopeMetrics[{i}]";
            foreach (var (name, value) in OtlpJson.Fields(scopes[i], scopePath))
            {
                if (name != "metrics")
                {
                    continue;
                }

                var metric = 0;
                foreach (var m in OtlpJson.Items(value, $"{scopePath}.metrics"))
                {
                    ReadJsonMetric(m, labels, $"{scopePath}.metrics[{metric++}]", entries);
                }
            }
        }
    }

    private static void ReadJsonMetric(JsonElement element, IReadOnlyDictionary<string, string> labels, string path, List<MetricPointEntry> entries)
    {
        var metricName = string.Empty;
        Data<JsonElement>? data = null;
        foreach (var (name, value) in OtlpJson.Fields(element, path))
        {
            switch (name)
            {
                case "name":
                    metricName = OtlpJson.String(value, $"{path}.name");
                    break;
                case "gauge" or "sum" or "histogram" or "exponentialHistogram" or "summary":
                    data = ReadJsonData(value, name, $"{path}.{name}");
                    break;
            }
        }

        if (data is not null)
        {
            var isNumber = data.Type is "gauge" or "sum";
            AddPoints(entries, OtlpBody.Json, path, metricName, data, labels, OtlpJson.Content, p => ReadJsonPoint(p, isNumber));
        }
    }

    private static Data<JsonElement> ReadJsonData(JsonElement element, string type, string path)
    {
        var points = new List<JsonElement>();
        var temporality = 0;
        var monotonic = false;
        foreach (var (name, value) in OtlpJson.Fields(element, path))
        {
            switch (name)
            {
                case "dataPoints":
                    points.AddRange(OtlpJson.Items(value, $"{path}.dataPoints"));
                    break;
                case "aggregationTemporality":
                    temporality = OtlpJson.Enum(value, $"{path}.aggregationTemporality", Temporalities);
                    break;
                case "isMonotonic":
                    monotonic = OtlpJson.Bool(value, $"{path}.isMonotonic");
                    break;
            }
        }

        return new Data<JsonElement>(type, points, temporality, monotonic);
    }

    private static PointFields ReadJsonPoint(JsonElement element, bool isNumber)
    {
        var p = new PointFields();
        foreach (var (name, value) in OtlpJson.Fields(element, "the data point"))
        {
            switch (name)
            {
                case "attributes":
                    OtlpJson.Attributes(value, "point attributes", p.Attributes);
                    break;
                case "timeUnixNano":
                    p.TimeUnixNano = OtlpJson.UnixNano(value, name);
                    break;
                case "asDouble" when isNumber:
                    p.Value = OtlpJson.Double(value, name);
                    break;
                case "asInt" when isNumber:
                    p.Value = OtlpJson.Int64(value, name);
                    break;
                case "flags" when isNumber:
                    p.Flags = unchecked((uint)OtlpJson.Int64(value, name));
                    break;
                case "sum" when !isNumber:
                    p.Value = OtlpJson.Double(value, name);
                    break;
            }
        }

        return p;
    }
}
