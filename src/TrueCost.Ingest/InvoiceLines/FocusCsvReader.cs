using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using CsvHelper;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Contracts.Validation;

namespace TrueCost.Ingest.InvoiceLines;

/// <summary>
/// One data row of a FOCUS file: the validated invoice line, or why it was rejected. <see cref="Row"/> is the
/// line of the file the row starts on (the header is line 1), as an editor or a spreadsheet numbers it.
/// </summary>
public readonly record struct FocusRow(int Row, InvoiceLineRecord? Record, string? Error);

/// <summary>A FOCUS file that cannot be imported as a whole: its header is unusable, or its lines were not delivered.</summary>
public sealed class FocusFileException(string message) : Exception(message);

/// <summary>
/// Reads FOCUS 1.x cost and usage CSV exports (RFC 4180, UTF-8 with or without BOM) into invoice-line
/// records. Columns are found by their case-sensitive FOCUS names in any order:
/// <list type="bullet">
/// <item>contract columns become the record's fields; an empty cell is null;</item>
/// <item><c>x_</c> columns are kept verbatim as string extensions;</item>
/// <item>every other column (RegionId, CommitmentDiscountId, ConsumedQuantity, a provider's own
/// <c>oci_</c>-style columns …) is kept verbatim as the string extension <c>x_Focus_&lt;Column&gt;</c>,
/// so nothing in the file is dropped and the record stays inside the contract.</item>
/// </list>
/// Each record is then validated by <see cref="InvoiceLineParser"/>, the same rules the ingest applies,
/// so a row it would dead-letter is reported here with its file and row instead of produced.
/// </summary>
public sealed partial class FocusCsvReader(TimeProvider clock)
{
    private const string FocusColumnPrefix = "x_Focus_";
    private const string LineIdColumn = "x_LineId";
    private const string LineIdPrefix = "focus-";

    /// <summary>128 bits of the row hash: ample against collisions, short enough to read in a log line.</summary>
    private const int LineIdHexLength = 32;

    /// <summary>Cell values echoed in a reason are clipped: reasons end up in summaries and Kafka headers.</summary>
    private const int MaxShownLength = 64;

    private static readonly IReadOnlyDictionary<string, Column> ContractColumns = ReadContract();

    private readonly InvoiceLineParser _parser = new(clock);

    private enum CellKind
    {
        Text,
        Number,
        Timestamp,
        JsonObject,
        Tags,
        Extension,
    }

    /// <summary>
    /// Reads <paramref name="stream"/> from its current position. A FOCUS row has no id, so each record's
    /// <c>x_LineId</c> is derived from the SHA-256 of the row's content (column name = cell, in name order)
    /// and how many identical rows came before it in the file: importing the same file again — or a
    /// re-issued month-to-date export that only added or fixed rows, or the same data with its columns
    /// reordered — yields the same ids for the same charges (the ingest stores each once), while two
    /// identical rows of one file stay two charges.
    /// </summary>
    /// <exception cref="FocusFileException">
    /// The header is missing or unusable: malformed, a column twice or unnamed, a required column absent or in the wrong case.
    /// </exception>
    public IEnumerable<FocusRow> Read(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadRows(stream, fileName);
    }

    private IEnumerable<FocusRow> ReadRows(Stream stream, string fileName)
    {
        var malformed = new Queue<CsvMalformedRecord>();
        var options = new CsvReaderOptions
        {
            Separator = ',',
            DetectSeparatorHint = false,
            TrackLineNumbers = true,
            // A record with broken quoting would otherwise be "recovered" into changed text; a bill must not be.
            MalformedData = CsvMalformedDataHandling.Skip,
            OnMalformedRecord = malformed.Enqueue,
        };
        using var csv = CsvReader.Create(stream, options, leaveOpen: true);
        var columns = MapHeader(csv.Headers, malformed, fileName);
        var json = new ArrayBufferWriter<byte>();
        var occurrences = new Dictionary<string, int>(StringComparer.Ordinal);
        while (csv.Read())
        {
            while (malformed.TryDequeue(out var bad))
            {
                yield return Malformed(bad, fileName);
            }

            var row = checked((int)csv.LineNumber);
            var content = RowContent(csv, columns);
            var lineId = LineId(content, occurrences[content] = occurrences.GetValueOrDefault(content) + 1);
            var error = csv.FieldCount == columns.Length
                ? WriteRecord(csv, columns, lineId, json)
                : $"the row has {csv.FieldCount} fields, the header has {columns.Length}";
            yield return error is null ? Validate(json.WrittenSpan, lineId, row, fileName) : Rejected(row, fileName, error);
        }

        while (malformed.TryDequeue(out var bad))
        {
            yield return Malformed(bad, fileName);
        }
    }

    private FocusRow Validate(ReadOnlySpan<byte> json, string lineId, int row, string fileName)
    {
        var parsed = _parser.Parse(json);
        if (parsed.IsValid)
        {
            return new FocusRow(row, parsed.Record, null);
        }

        // The parser names the line by its id; the file and row say more to whoever fixes the file.
        var linePrefix = $"invoice line {lineId}: ";
        var reason = parsed.Error!;
        return Rejected(row, fileName, reason.StartsWith(linePrefix, StringComparison.Ordinal) ? reason[linePrefix.Length..] : reason);
    }

    private static FocusRow Rejected(int row, string fileName, string reason) =>
        new(row, null, $"invoice file {fileName}, row {row}: {reason}");

    private static FocusRow Malformed(CsvMalformedRecord bad, string fileName)
    {
        var reason = bad.Reason switch
        {
            CsvMalformedReason.StrayQuote => "malformed CSV: a quote inside an unquoted field (quote the whole field and double the quote)",
            CsvMalformedReason.TextAfterClosingQuote => "malformed CSV: text after the closing quote of a field",
            CsvMalformedReason.UnterminatedQuote => "malformed CSV: a quoted field is never closed, so the rest of the file cannot be read",
            _ => $"malformed CSV ({bad.Reason})",
        };
        return Rejected(checked((int)bad.LineNumber), fileName, reason);
    }

    private static string RowContent(CsvReader csv, Column[] columns) =>
        string.Join('\u001f', Enumerable.Range(0, Math.Min(csv.FieldCount, columns.Length))
            .Select(i => columns[i].Key + "=" + csv.GetString(i))
            .Order(StringComparer.Ordinal));

    private static string LineId(string content, int occurrence) =>
        LineIdPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{content}\u001e{occurrence.ToString(CultureInfo.InvariantCulture)}")))[..LineIdHexLength];

    private static Column[] MapHeader(IReadOnlyList<string> header, Queue<CsvMalformedRecord> malformed, string fileName)
    {
        // The reader skips a malformed header and would take the first data row for it.
        if (malformed.TryPeek(out var bad) && bad.RecordNumber == 1)
        {
            throw new FocusFileException($"invoice file {fileName}: the header row is malformed CSV ({bad.Reason})");
        }

        if (header.Count == 0)
        {
            throw new FocusFileException($"invoice file {fileName} is empty; expected a header row of FOCUS column names");
        }

        var columns = new Column[header.Count];
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i];
            var column = MapColumn(name, i, fileName);
            if (!sources.TryAdd(column.Key, name))
            {
                var other = sources[column.Key];
                throw new FocusFileException(other == name
                    ? $"invoice file {fileName}: column '{name}' appears twice in the header"
                    : $"invoice file {fileName}: columns '{other}' and '{name}' would both be kept as '{column.Key}'");
            }

            columns[i] = column;
        }

        var missing = ContractColumns.Values.Where(c => c.Required && !sources.ContainsKey(c.Key)).Select(c => c.Key).ToList();
        return missing.Count == 0
            ? columns
            : throw new FocusFileException($"invoice file {fileName}: the header lacks the required FOCUS column(s) {string.Join(", ", missing)}");
    }

    private static Column MapColumn(string name, int index, string fileName)
    {
        if (name.Length == 0)
        {
            throw new FocusFileException($"invoice file {fileName}: header column {index + 1} has no name");
        }

        if (name == LineIdColumn)
        {
            throw new FocusFileException($"invoice file {fileName}: column '{LineIdColumn}' is assigned by the importer (a hash of the row's content); remove it from the file");
        }

        if (ContractColumns.TryGetValue(name, out var contract))
        {
            return contract;
        }

        if (name.StartsWith(InvoiceLineParser.ExtensionPrefix, StringComparison.Ordinal))
        {
            return new Column(name, CellKind.Extension, Required: false);
        }

        // FOCUS names are case-sensitive; a column that differs only in case would silently become an extension.
        var meant = ContractColumns.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase));
        return meant is null
            ? new Column(FocusColumnPrefix + name, CellKind.Extension, Required: false)
            : throw new FocusFileException($"invoice file {fileName}: column '{name}' is not a FOCUS column name; did you mean '{meant}'? (names are case-sensitive)");
    }

    /// <summary>Writes the row as the invoice-line JSON the topic carries; returns why a cell cannot be read, or null.</summary>
    private static string? WriteRecord(CsvReader csv, Column[] columns, string lineId, ArrayBufferWriter<byte> json)
    {
        json.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(json);
        writer.WriteStartObject();
        writer.WriteString(LineIdColumn, lineId);
        for (var i = 0; i < columns.Length; i++)
        {
            var column = columns[i];
            if (!Utf8.IsValid(csv.GetSpan(i)))
            {
                return $"{column.Key} is not valid UTF-8 text";
            }

            var cell = csv.GetString(i);
            if (cell.Length == 0)
            {
                // FOCUS writes null as an empty cell; leaving the field out is null in the contract.
                if (column.Required)
                {
                    return $"{column.Key} is empty, but FOCUS requires a value";
                }

                continue;
            }

            var error = column.Kind switch
            {
                CellKind.Number => WriteNumber(writer, column.Key, cell),
                CellKind.Timestamp => WriteTimestamp(writer, column.Key, cell),
                CellKind.JsonObject => WriteJsonObject(writer, column.Key, cell),
                CellKind.Tags => WriteTags(writer, column.Key, cell),
                _ => WriteText(writer, column.Key, cell),
            };
            if (error is not null)
            {
                return error;
            }
        }

        writer.WriteEndObject();
        return null;
    }

    private static string? WriteText(Utf8JsonWriter writer, string key, string cell)
    {
        writer.WriteString(key, cell);
        return null;
    }

    /// <summary>
    /// The cell is passed on as a JSON number, digits untouched, so the contract's exact-decimal reader decides
    /// whether a decimal holds it. FOCUS forbids exponents, but exporters that write doubles (Spark, pandas) emit
    /// 1.0E-7 for small unit prices; the value is still exact, so it is accepted.
    /// </summary>
    private static string? WriteNumber(Utf8JsonWriter writer, string key, string cell)
    {
        var number = NumberShape().Match(cell);
        if (!number.Success)
        {
            return $"{key} {Show(cell)} is not a FOCUS numeric value: digits with an optional leading '-' and one '.', without '+', thousands separators, currency symbols or units";
        }

        // JSON allows no leading zeros ("007.5"), which are harmless in a CSV cell.
        var integer = number.Groups["integer"].Value.TrimStart('0');
        writer.WritePropertyName(key);
        writer.WriteRawValue($"{number.Groups["sign"].Value}{(integer.Length == 0 ? "0" : integer)}{number.Groups["rest"].Value}");
        return null;
    }

    private static string? WriteTimestamp(Utf8JsonWriter writer, string key, string cell)
    {
        var time = TimestampShape().Match(cell);
        if (!time.Success)
        {
            return $"{key} {Show(cell)} is not an ISO 8601 date-time such as 2026-10-01T00:00:00Z";
        }

        var offset = time.Groups["offset"];
        if (!offset.Success)
        {
            return $"{key} {Show(cell)} has no UTC designator, so its instant is ambiguous; FOCUS date-times are UTC and end with Z";
        }

        if (offset.Value is not ("Z" or "+00:00" or "-00:00"))
        {
            return $"{key} {Show(cell)} is not UTC; FOCUS date-times are UTC and end with Z";
        }

        writer.WriteString(key, time.Groups["local"].Value + "Z");
        return null;
    }

    /// <summary>SkuPriceDetails: a JSON object (FOCUS KeyValueFormat) passed on as is, for the contract to read.</summary>
    private static string? WriteJsonObject(Utf8JsonWriter writer, string key, string cell)
    {
        using var document = ParseObject(key, cell, out var error);
        if (document is null)
        {
            return error;
        }

        writer.WritePropertyName(key);
        document.RootElement.WriteTo(writer);
        return null;
    }

    /// <summary>
    /// The contract carries tags as strings. FOCUS marks a key-only tag with the value true, which becomes "";
    /// a tag with a null value carries nothing and is dropped; other numbers and booleans keep their JSON text.
    /// </summary>
    private static string? WriteTags(Utf8JsonWriter writer, string key, string cell)
    {
        using var document = ParseObject(key, cell, out var error);
        if (document is null)
        {
            return error;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        writer.WriteStartObject(key);
        foreach (var tag in document.RootElement.EnumerateObject())
        {
            if (!seen.Add(tag.Name))
            {
                return $"{key} names the tag {Show(tag.Name)} twice; FOCUS tag keys are unique";
            }

            switch (tag.Value.ValueKind)
            {
                case JsonValueKind.String:
                    writer.WriteString(tag.Name, tag.Value.GetString());
                    break;
                case JsonValueKind.True:
                    writer.WriteString(tag.Name, string.Empty);
                    break;
                case JsonValueKind.False or JsonValueKind.Number:
                    writer.WriteString(tag.Name, tag.Value.GetRawText());
                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    return $"{key}[{Show(tag.Name)}] is {Describe(tag.Value.ValueKind)}; FOCUS tag values are strings, numbers, booleans or null";
            }
        }

        writer.WriteEndObject();
        return null;
    }

    private static JsonDocument? ParseObject(string key, string cell, out string? error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(cell);
        }
        catch (JsonException e)
        {
            error = $"{key} is not valid JSON ({FirstSentence(e.Message)}): {Show(cell)}";
            return null;
        }

        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            error = null;
            return document;
        }

        error = $"{key} is {Describe(document.RootElement.ValueKind)}, expected a JSON object of keys and values";
        document.Dispose();
        return null;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string FirstSentence(string message) =>
        message.IndexOf(". ", StringComparison.Ordinal) is var end and > 0 ? message[..end] : message;

    private static string Show(string value) =>
        value.Length <= MaxShownLength ? $"'{Printable(value)}'" : $"'{Printable(value[..MaxShownLength])}…' ({value.Length} characters)";

    /// <summary>A quoted cell may hold line breaks; shown raw they would split the reason over lines.</summary>
    private static string Printable(string value) =>
        value.Any(char.IsControl)
            ? string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()))
            : value;

    /// <summary>
    /// The contract's columns and how a cell of each is read, taken from the contract itself, so a column added
    /// to <see cref="InvoiceLineRecord"/> is imported without a change here (or fails the type check loudly).
    /// </summary>
    private static Dictionary<string, Column> ReadContract() =>
        new DefaultJsonTypeInfoResolver().GetTypeInfo(typeof(InvoiceLineRecord), WireJson.Options).Properties
            .Where(p => !p.IsExtensionData && p.Name != LineIdColumn)
            .ToDictionary(p => p.Name, p => new Column(p.Name, KindOf(p), p.IsRequired), StringComparer.Ordinal);

    private static CellKind KindOf(JsonPropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type == typeof(string) ? CellKind.Text
            : type == typeof(decimal) ? CellKind.Number
            : type == typeof(DateTimeOffset) ? CellKind.Timestamp
            : type == typeof(SkuPriceDetails) ? CellKind.JsonObject
            : type == typeof(IReadOnlyDictionary<string, string>) ? CellKind.Tags
            : throw new InvalidOperationException($"invoice-line column {property.Name} of type {type.Name} has no CSV reading");
    }

    [GeneratedRegex(@"^(?<sign>-?)(?<integer>[0-9]+)(?<rest>(\.[0-9]+)?([eE][+-]?[0-9]+)?)\z", RegexOptions.CultureInvariant)]
    private static partial Regex NumberShape();

    /// <summary>[0-9] rather than \d, which in .NET also matches non-ASCII digits.</summary>
    [GeneratedRegex(@"^(?<local>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?)(?<offset>Z|[+-][0-9]{2}:[0-9]{2})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex TimestampShape();

    /// <summary>How one header column is read: the key it is written under, its kind, and whether FOCUS requires a value.</summary>
    private sealed record Column(string Key, CellKind Kind, bool Required);
}
