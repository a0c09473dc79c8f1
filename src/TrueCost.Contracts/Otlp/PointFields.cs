using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TrueCost.Contracts.Metrics;

namespace TrueCost.Contracts.Otlp;

/// <summary>
/// A metric data point's fields as either encoding delivered them, before the checks both encodings share
/// (<see cref="Check"/>) turn them into a <see cref="MetricPoint"/>.
/// </summary>
internal sealed class PointFields
{
    /// <summary><c>DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK</c>.</summary>
    public const uint NoRecordedValueFlag = 1;

    private static readonly JsonSerializerOptions LabelJson = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);

    public long TimeUnixNano { get; set; }

    /// <summary><c>as_double</c> or <c>as_int</c> of a number point, <c>sum</c> of the others; null when absent.</summary>
    public double? Value { get; set; }

    public uint Flags { get; set; }

    /// <summary>
    /// The point, or the reason it cannot be used (without the encoding prefix or its place in the message).
    /// <see cref="MetricKind.Other"/> points are never refused for their value: mappers do not read it.
    /// </summary>
    public (MetricPoint? Point, string? Error) Check(string metric, MetricKind kind, IReadOnlyDictionary<string, string> resourceLabels)
    {
        string? error = null;
        if (kind != MetricKind.Other && (Flags & NoRecordedValueFlag) != 0)
        {
            error = $"metric '{metric}': no recorded value (flags {Flags} has FLAG_NO_RECORDED_VALUE)";
        }
        else if (kind != MetricKind.Other && Value is null)
        {
            error = $"metric '{metric}': no recorded value (neither as_double nor as_int is set)";
        }
        else if (TimeUnixNano == 0)
        {
            error = $"metric '{metric}': the point has no time_unix_nano";
        }

        if (error is not null)
        {
            return (null, error);
        }

        var timestamp = DateTimeOffset.UnixEpoch.AddTicks(TimeUnixNano / TimeSpan.NanosecondsPerTick);
        return (new MetricPoint(metric, kind, Value ?? 0, timestamp, Labels(Attributes, resourceLabels)), null);
    }

    /// <summary>
    /// Attribute values as label text (invariant integers, round-trip doubles, JSON for arrays and kvlists),
    /// over <paramref name="under"/>: an attribute wins over a label of the same name there.
    /// </summary>
    public static Dictionary<string, string> Labels(IReadOnlyDictionary<string, object?> attributes, IReadOnlyDictionary<string, string>? under = null)
    {
        var labels = under is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(under, StringComparer.Ordinal);
        foreach (var (key, value) in attributes)
        {
            labels[key] = Label(value);
        }

        return labels;
    }

    private static string Label(object? value) => value switch
    {
        null => string.Empty,
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToBase64String(bytes),
        _ => JsonSerializer.Serialize(value, LabelJson),
    };
}
