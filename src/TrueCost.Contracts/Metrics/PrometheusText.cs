using System.Globalization;
using System.Text;

namespace TrueCost.Contracts.Metrics;

/// <summary>The two text formats a <c>/metrics</c> endpoint answers with; they differ in timestamp units and the end marker.</summary>
public enum PrometheusTextFormat
{
    /// <summary>Prometheus text exposition format 0.0.4 (<c>text/plain; version=0.0.4</c>): timestamps in milliseconds.</summary>
    Prometheus,

    /// <summary>OpenMetrics 1.0 text (<c>application/openmetrics-text</c>): timestamps in seconds, ends with <c># EOF</c>.</summary>
    OpenMetrics,
}

/// <summary>The points read from one scrape, and one message per line that could not be read (the other lines still count).</summary>
public sealed record PrometheusTextResult(IReadOnlyList<MetricPoint> Points, IReadOnlyList<string> Errors);

/// <summary>
/// Reads the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text into <see cref="MetricPoint"/>s.
/// Families declared <c>counter</c> give <see cref="MetricKind.Counter"/> points (OpenMetrics writes their
/// samples with <c>_total</c>); <c>_created</c> samples of counters, histograms and summaries are dropped
/// (they are start times, not values); histogram, summary, info and stateset samples are
/// <see cref="MetricKind.Other"/>; gauges, <c>unknown</c>/<c>untyped</c> families and samples with no
/// <c># TYPE</c> are <see cref="MetricKind.Gauge"/>. OpenMetrics exemplars (after <c> # </c>) are skipped.
/// </summary>
public static class PrometheusText
{
    private const int MaxShownLine = 120;

    private static readonly string[] FamilySuffixes = ["_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info"];

    /// <summary>The format named by an HTTP <c>Content-Type</c>; 0.0.4 for <c>text/plain</c> and anything unnamed.</summary>
    public static PrometheusTextFormat FormatOf(string? contentType) =>
        contentType is not null && contentType.Contains("application/openmetrics-text", StringComparison.OrdinalIgnoreCase)
            ? PrometheusTextFormat.OpenMetrics
            : PrometheusTextFormat.Prometheus;

    /// <param name="scrapeTime">The timestamp of every sample that carries none of its own (UTC).</param>
    /// <param name="targetLabels">
    /// Added to every sample that does not carry them itself, as Prometheus adds a target's <c>instance</c> and
    /// <c>job</c> (vLLM's own samples name no node; the target's address does).
    /// </param>
    public static PrometheusTextResult Parse(string text, PrometheusTextFormat format, DateTimeOffset scrapeTime, IReadOnlyDictionary<string, string>? targetLabels = null)
    {
        var points = new List<MetricPoint>();
        var errors = new List<string>();
        var families = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        var afterEof = false;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.All(char.IsWhiteSpace))
            {
                continue;
            }

            if (afterEof)
            {
                errors.Add($"line {lineNumber}: content after '# EOF': {Show(line)}");
                continue;
            }

            if (line[0] == '#')
            {
                afterEof = ReadComment(line, families) is "EOF";
                continue;
            }

            var error = ReadSample(line, format, scrapeTime, families, targetLabels, points);
            if (error is not null)
            {
                errors.Add($"line {lineNumber}: {error}: {Show(line)}");
            }
        }

        return new PrometheusTextResult(points, errors);
    }

    /// <summary>Records <c># TYPE</c> declarations; returns the directive (<c>HELP</c>, <c>TYPE</c>, <c>UNIT</c>, <c>EOF</c>) or null for a plain comment.</summary>
    private static string? ReadComment(string line, Dictionary<string, string> families)
    {
        var parts = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
        if (parts is ["#", "EOF"])
        {
            return "EOF";
        }

        if (parts.Length >= 4 && parts[0] == "#" && parts[1] == "TYPE")
        {
            families[parts[2]] = parts[3].Trim().ToLowerInvariant();
        }

        return parts.Length >= 2 && parts[0] == "#" ? parts[1] : null;
    }

    private static string? ReadSample(
        string line,
        PrometheusTextFormat format,
        DateTimeOffset scrapeTime,
        Dictionary<string, string> families,
        IReadOnlyDictionary<string, string>? targetLabels,
        List<MetricPoint> points)
    {
        var nameEnd = 0;
        while (nameEnd < line.Length && IsNameChar(line[nameEnd], nameEnd == 0))
        {
            nameEnd++;
        }

        if (nameEnd == 0)
        {
            return $"a sample must start with a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), found '{line[0]}'";
        }

        var name = line[..nameEnd];
        var pos = nameEnd;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (pos < line.Length && line[pos] == '{')
        {
            var labelError = ReadLabels(line, ref pos, labels);
            if (labelError is not null)
            {
                return $"metric {name}: {labelError}";
            }
        }

        // An OpenMetrics exemplar follows " # "; it describes one traced observation, not the series.
        var rest = line[pos..];
        var exemplar = rest.IndexOf(" # ", StringComparison.Ordinal);
        if (exemplar >= 0)
        {
            rest = rest[..exemplar];
        }

        var fields = rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is 0 or > 2)
        {
            return fields.Length == 0
                ? $"metric {name} has no value"
                : $"metric {name} has {fields.Length} fields after its labels, expected a value and an optional timestamp";
        }

        if (!TryParseValue(fields[0], out var value))
        {
            return $"metric {name} value '{fields[0]}' is not a number (NaN, +Inf and -Inf are allowed)";
        }

        var timestamp = scrapeTime;
        if (fields.Length == 2)
        {
            var parsed = ParseTimestamp(fields[1], format);
            if (parsed is null)
            {
                return format == PrometheusTextFormat.OpenMetrics
                    ? $"metric {name} timestamp '{fields[1]}' is not a number of seconds since the Unix epoch"
                    : $"metric {name} timestamp '{fields[1]}' is not a whole number of milliseconds since the Unix epoch";
            }

            timestamp = parsed.Value;
        }

        var (kind, keep) = KindOf(name, families);
        foreach (var (label, labelValue) in targetLabels ?? new Dictionary<string, string>())
        {
            labels.TryAdd(label, labelValue);
        }

        if (keep)
        {
            points.Add(new MetricPoint(name, kind, value, timestamp, labels));
        }

        return null;
    }

    /// <summary>Reads <c>{name="value",…}</c> from the opening brace; escapes <c>\\</c>, <c>\"</c>, <c>\n</c>.</summary>
    private static string? ReadLabels(string line, ref int pos, Dictionary<string, string> labels)
    {
        pos++;
        var value = new StringBuilder();
        while (true)
        {
            SkipSpaces(line, ref pos);
            if (pos >= line.Length)
            {
                return "label set is not closed with '}'";
            }

            if (line[pos] == '}')
            {
                pos++;
                return null;
            }

            var start = pos;
            while (pos < line.Length && IsLabelChar(line[pos], pos == start))
            {
                pos++;
            }

            if (pos == start)
            {
                return $"expected a label name at column {pos + 1}, found '{line[pos]}'";
            }

            var labelName = line[start..pos];
            SkipSpaces(line, ref pos);
            if (pos >= line.Length || line[pos] != '=')
            {
                return $"label {labelName} is not followed by '='";
            }

            pos++;
            SkipSpaces(line, ref pos);
            if (pos >= line.Length || line[pos] != '"')
            {
                return $"label {labelName} value must be in double quotes";
            }

            pos++;
            value.Clear();
            var closed = false;
            while (pos < line.Length)
            {
                var c = line[pos++];
                if (c == '"')
                {
                    closed = true;
                    break;
                }

                if (c != '\\')
                {
                    value.Append(c);
                    continue;
                }

                if (pos >= line.Length)
                {
                    break;
                }

                var escaped = line[pos++];
                switch (escaped)
                {
                    case '\\': value.Append('\\'); break;
                    case '"': value.Append('"'); break;
                    case 'n': value.Append('\n'); break;
                    default: return $"label {labelName} value has an invalid escape '\\{escaped}' (only \\\\, \\\" and \\n are allowed)";
                }
            }

            if (!closed)
            {
                return $"label {labelName} value is not closed with '\"'";
            }

            if (!labels.TryAdd(labelName, value.ToString()))
            {
                return $"label {labelName} appears twice";
            }

            SkipSpaces(line, ref pos);
            if (pos < line.Length && line[pos] == ',')
            {
                pos++;
            }
            else if (pos < line.Length && line[pos] != '}')
            {
                return $"expected ',' or '}}' after label {labelName}, found '{line[pos]}'";
            }
        }
    }

    /// <summary>The kind of a sample from its family's <c># TYPE</c>, and whether it is kept (<c>_created</c> samples are not).</summary>
    private static (MetricKind Kind, bool Keep) KindOf(string name, Dictionary<string, string> families)
    {
        if (families.TryGetValue(name, out var exact) && !name.EndsWith("_created", StringComparison.Ordinal))
        {
            return (KindOfType(exact), true);
        }

        foreach (var suffix in FamilySuffixes)
        {
            if (!name.EndsWith(suffix, StringComparison.Ordinal))
            {
                continue;
            }

            var family = name[..^suffix.Length];
            // prometheus_client declares a 0.0.4 counter under its _total name and its _created series as a gauge of its own.
            var type = families.GetValueOrDefault(family) ?? families.GetValueOrDefault(family + "_total");
            if (type is null)
            {
                continue;
            }

            if (suffix == "_created" && type is "counter" or "histogram" or "summary" or "gaugehistogram")
            {
                return (MetricKind.Other, false);
            }

            return (KindOfType(type), true);
        }

        return (exact is null ? MetricKind.Gauge : KindOfType(exact), true);
    }

    private static MetricKind KindOfType(string type) => type switch
    {
        "counter" => MetricKind.Counter,
        "gauge" or "unknown" or "untyped" => MetricKind.Gauge,
        _ => MetricKind.Other,
    };

    private static bool TryParseValue(string text, out double value)
    {
        // Go's ParseFloat, which Prometheus uses, takes these in any letter case.
        switch (text.ToLowerInvariant())
        {
            case "nan":
                value = double.NaN;
                return true;
            case "+inf" or "inf":
                value = double.PositiveInfinity;
                return true;
            case "-inf":
                value = double.NegativeInfinity;
                return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    private static DateTimeOffset? ParseTimestamp(string text, PrometheusTextFormat format)
    {
        try
        {
            if (format == PrometheusTextFormat.OpenMetrics)
            {
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds)
                    ? DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond))
                    : null;
            }

            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static bool IsNameChar(char c, bool first) => char.IsAsciiLetter(c) || c is '_' or ':' || (!first && char.IsAsciiDigit(c));

    private static bool IsLabelChar(char c, bool first) => char.IsAsciiLetter(c) || c == '_' || (!first && char.IsAsciiDigit(c));

    private static void SkipSpaces(string line, ref int pos)
    {
        while (pos < line.Length && line[pos] is ' ' or '\t')
        {
            pos++;
        }
    }

    private static string Show(string line) => line.Length <= MaxShownLine ? $"'{line}'" : $"'{line[..MaxShownLine]}…' ({line.Length} characters)";
}
