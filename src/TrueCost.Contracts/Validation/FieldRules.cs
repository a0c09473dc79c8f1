using System.Globalization;
using System.Text.Json;

namespace TrueCost.Contracts.Validation;

/// <summary>
/// The field checks every parser shares, so the same fault reads the same on every topic's DLQ.
/// Each returns null when the value is acceptable, or a reason naming the field and the value.
/// </summary>
internal static class FieldRules
{
    public const int MaxIdentifierLength = 256;

    /// <summary>Values echoed into a reason are clipped: the reason travels in a Kafka header.</summary>
    private const int MaxShownLength = 64;

    public static string? Required(string field, string? value) =>
        string.IsNullOrWhiteSpace(value) ? $"{field} is missing or empty"
        : value.Length > MaxIdentifierLength ? $"{field} is {value.Length} characters, over {MaxIdentifierLength}"
        : null;

    /// <summary>Optional text may be absent, but when present it must carry something.</summary>
    public static string? NotBlank(string field, string? value) =>
        value is not null && string.IsNullOrWhiteSpace(value) ? $"{field} is present but empty" : null;

    public static string? OneOf(string field, string? value, IReadOnlySet<string> allowed) =>
        value is not null && allowed.Contains(value)
            ? null
            : $"{field} {Quote(value)} is not one of {string.Join(", ", allowed.Order(StringComparer.Ordinal))}";

    public static string? NonNegative(string field, double value) =>
        double.IsFinite(value) && value >= 0 ? null : $"{field} {Show(value)} must be a finite, non-negative number";

    public static string? NonNegative(string field, long value) =>
        value < 0 ? $"{field} {value} is negative" : null;

    public static string? InRange(string field, double value, double min, double max) =>
        !double.IsFinite(value) ? $"{field} {Show(value)} is not a finite number"
        : value < min || value > max ? $"{field} {Show(value)} is outside {Show(min)}..{Show(max)}"
        : null;

    public static string? InRange(string field, decimal value, decimal min, decimal max) =>
        value < min || value > max ? $"{field} {Show(value)} is outside {Show(min)}..{Show(max)}" : null;

    /// <summary>An id or path as the prefix of a reason: whole up to the identifier limit, so a 60 KB id cannot fill the header.</summary>
    /// <summary>
    /// Columns kept verbatim must decode: the reader lets an unpaired surrogate escape (<c>\ud800</c>)
    /// through until someone asks for the text, and writing the record back out would then fail.
    /// </summary>
    public static string? Decodable(string field, IDictionary<string, JsonElement>? columns)
    {
        var broken = columns?.Keys.Order(StringComparer.Ordinal).FirstOrDefault(k => !Decodes(columns[k]));
        return broken is null
            ? null
            : $"{field} {Quote(broken)} holds an unpaired UTF-16 surrogate escape; send valid Unicode";
    }

    /// <summary>True when the value can be written back out, which is exactly what storing it does.</summary>
    private static bool Decodes(JsonElement value)
    {
        try
        {
            using var writer = new Utf8JsonWriter(Stream.Null);
            value.WriteTo(writer);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public static string Clip(string? value) =>
        value is null ? string.Empty
        : value.Length <= MaxIdentifierLength ? value
        : $"{value[..MaxIdentifierLength]}…";

    public static string Quote(string? value) =>
        value is null ? "null"
        : value.Length <= MaxShownLength ? $"'{Printable(value)}'"
        : $"'{Printable(value[..MaxShownLength])}…' ({value.Length} characters)";

    /// <summary>Control characters would garble a log line or header, so they are shown as escapes.</summary>
    private static string Printable(string value) =>
        value.Any(char.IsControl)
            ? string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()))
            : value;

    public static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Show(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
