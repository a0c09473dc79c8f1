using System.Buffers;
using System.Globalization;
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
/// <item>every other column (AvailabilityZone, SkuPriceId, FOCUS 1.3's Allocated* and ContractApplied, a
/// provider's own <c>oci_</c>-style columns …) is kept verbatim as the string extension <c>x_Focus_&lt;Column&gt;</c>,
/// so nothing in the file is dropped and the record stays inside the contract.</item>
/// </list>
/// The file is read twice (so <see cref="Read"/> needs a seekable stream): the first pass works out each row's
/// import scope and each scope's import id (<see cref="FocusImportIdentity"/>), the second produces the records.
/// Each record is then validated by <see cref="InvoiceLineParser"/>, the same rules the ingest applies,
/// so a row it would dead-letter is reported here with its file and row instead of produced.
/// </summary>
public sealed partial class FocusCsvReader(TimeProvider clock)
{
    private const string FocusColumnPrefix = "x_Focus_";
    private const string LineIdColumn = "x_LineId";
    private const string ImportScopeColumn = "x_ImportScope";
    private const string ImportIdColumn = "x_ImportId";

    /// <summary>The columns the importer writes itself; a file must not bring its own.</summary>
    private static readonly HashSet<string> AssignedColumns = new(StringComparer.Ordinal) { LineIdColumn, ImportScopeColumn, ImportIdColumn };

    /// <summary>
    /// Who issued the export, in the order a scope takes it. Without ProviderName (deprecated in FOCUS 1.3) the invoice
    /// issuer comes first: a marketplace re-issues its export whole, rows of every service provider it resells included.
    /// </summary>
    private static readonly string[] ProviderColumns = ["ProviderName", "InvoiceIssuerName", "ServiceProviderName"];

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
    /// <c>x_LineId</c> is derived from its import id (see <see cref="FocusImportIdentity"/>), the SHA-256 of the
    /// row's content (column name = cell, in name order) and how many identical rows came before it in the file:
    /// importing the same file again — or the same data with its rows or columns reordered — yields the same ids
    /// (the ingest stores each once), two identical rows of one file stay two charges, and a corrected re-export
    /// of a scope yields a new import id and new line ids for that scope, which the ledger uses to restate it.
    /// </summary>
    /// <exception cref="ArgumentException">The stream cannot seek, so it cannot be read twice.</exception>
    /// <exception cref="FocusFileException">
    /// The header is missing or unusable: malformed, a column twice or unnamed, a required column absent or in the wrong case.
    /// </exception>
    public IEnumerable<FocusRow> Read(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return stream.CanSeek
            ? ReadRows(stream, fileName)
            : throw new ArgumentException($"invoice file {fileName}: the stream must be seekable; the file is read twice, once to hash each import scope", nameof(stream));
    }

    private IEnumerable<FocusRow> ReadRows(Stream stream, string fileName)
    {
        var start = stream.Position;
        var identity = Survey(stream, fileName);
        stream.Position = start;

        var malformed = new Queue<CsvMalformedRecord>();
        using var csv = Open(stream, malformed);
        var columns = MapHeader(csv.Headers, malformed, fileName);
        var scopeColumns = ScopeColumns.Of(columns);
        var json = new ArrayBufferWriter<byte>();
        while (csv.Read())
        {
            while (malformed.TryDequeue(out var bad))
            {
                yield return Malformed(bad, fileName);
            }

            var row = checked((int)csv.LineNumber);
            var content = RowContent(csv, columns);
            var rowHash = FocusImportIdentity.RowHash(content);
            var scope = scopeColumns.ScopeOf(csv);
            var importId = identity.ImportIdOf(scope);
            var lineId = FocusImportIdentity.LineId(importId, content, identity.Occurrence(rowHash));
            var error = csv.FieldCount == columns.Length
                ? WriteRecord(csv, columns, new AssignedIds(lineId, importId is null ? null : scope, importId), json)
                : $"the row has {csv.FieldCount} fields, the header has {columns.Length}";
            yield return error is null ? Validate(json.WrittenSpan, lineId, row, fileName) : Rejected(row, fileName, error);
        }

        while (malformed.TryDequeue(out var bad))
        {
            yield return Malformed(bad, fileName);
        }
    }

    /// <summary>First pass: every row's scope and content hash, so each scope's import id is known before its first row is produced.</summary>
    private static FocusImportIdentity Survey(Stream stream, string fileName)
    {
        var identity = new FocusImportIdentity(stream.Length - stream.Position);
        var malformed = new Queue<CsvMalformedRecord>();
        using var csv = Open(stream, malformed);
        var columns = MapHeader(csv.Headers, malformed, fileName);
        var scopeColumns = ScopeColumns.Of(columns);
        while (csv.Read())
        {
            identity.Observe(scopeColumns.ScopeOf(csv), FocusImportIdentity.RowHash(RowContent(csv, columns)));
        }

        return identity;
    }

    private static CsvReader Open(Stream stream, Queue<CsvMalformedRecord> malformed) =>
        CsvReader.Create(
            stream,
            new CsvReaderOptions
            {
                Separator = ',',
                DetectSeparatorHint = false,
                TrackLineNumbers = true,
                // A record with broken quoting would otherwise be "recovered" into changed text; a bill must not be.
                MalformedData = CsvMalformedDataHandling.Skip,
                OnMalformedRecord = malformed.Enqueue,
            },
            leaveOpen: true);

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

        if (AssignedColumns.Contains(name))
        {
            throw new FocusFileException($"invoice file {fileName}: column '{name}' is assigned by the importer (a hash of the file's content); remove it from the file");
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
    private static string? WriteRecord(CsvReader csv, Column[] columns, AssignedIds ids, ArrayBufferWriter<byte> json)
    {
        json.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(json);
        writer.WriteStartObject();
        writer.WriteString(LineIdColumn, ids.LineId);
        if (ids.ImportId is not null)
        {
            writer.WriteString(ImportScopeColumn, ids.ImportScope);
            writer.WriteString(ImportIdColumn, ids.ImportId);
        }

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
        // Spreadsheet-made exports (the spec's own SaaS examples among them) leave a space after a number.
        var number = NumberShape().Match(cell.Trim(' '));
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
        var error = NormalizeTimestamp(key, cell, out var utc);
        if (error is null)
        {
            writer.WriteString(key, utc);
        }

        return error;
    }

    /// <summary>
    /// FOCUS date-times are ISO 8601 in UTC ('YYYY-MM-DDTHH:mm:ssZ'); exporters also write fractional seconds, a
    /// +00:00 offset, or leave the seconds out. All are read as the same instant, written with seconds and Z.
    /// Day-first or month-first dates (5/1/25) are refused: which day they mean cannot be told from the cell.
    /// </summary>
    private static string? NormalizeTimestamp(string key, string cell, out string utc)
    {
        utc = string.Empty;
        var time = TimestampShape().Match(cell.Trim(' '));
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

        utc = time.Groups["minute"].Value + (time.Groups["second"].Success ? time.Groups["second"].Value : ":00") + "Z";
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
            .Where(p => !p.IsExtensionData && !AssignedColumns.Contains(p.Name))
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
    [GeneratedRegex(@"^(?<minute>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2})(?<second>:[0-9]{2}(\.[0-9]{1,7})?)?(?<offset>Z|[+-][0-9]{2}:[0-9]{2})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex TimestampShape();

    /// <summary>How one header column is read: the key it is written under, its kind, and whether FOCUS requires a value.</summary>
    private sealed record Column(string Key, CellKind Kind, bool Required);

    /// <summary>The ids the importer gives a row; the scope is written only together with its import id.</summary>
    private readonly record struct AssignedIds(string LineId, string? ImportScope, string? ImportId);

    /// <summary>Where a file keeps the cells a row's import scope is made of (-1: the file has no such column).</summary>
    private sealed record ScopeColumns(int Account, int PeriodStart, int PeriodEnd, int[] Providers)
    {
        public static ScopeColumns Of(Column[] columns)
        {
            int IndexOf(string name) => Array.FindIndex(columns, c => c.Key == name);
            return new ScopeColumns(
                IndexOf("BillingAccountId"), IndexOf("BillingPeriodStart"), IndexOf("BillingPeriodEnd"),
                [.. ProviderColumns.Select(IndexOf).Where(i => i >= 0)]);
        }

        public string? ScopeOf(CsvReader csv) =>
            FocusImportIdentity.ScopeOf(
                Cell(csv, Account),
                Instant(Cell(csv, PeriodStart)),
                Instant(Cell(csv, PeriodEnd)),
                Providers.Select(i => Cell(csv, i)).FirstOrDefault(p => !string.IsNullOrEmpty(p)));

        private static string? Cell(CsvReader csv, int index) =>
            index >= 0 && index < csv.FieldCount && csv.GetString(index) is { Length: > 0 } cell ? cell : null;

        /// <summary>The same instant reads the same in the scope however the file wrote it; a cell that is no date-time stays as written.</summary>
        private static string? Instant(string? cell) =>
            cell is null ? null
            : NormalizeTimestamp(string.Empty, cell, out var utc) is null
                && DateTimeOffset.TryParse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var instant)
                ? instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)
                : cell;
    }
}
