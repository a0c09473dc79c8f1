using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TrueCost.Reporting.Statements;

/// <summary>A calendar month in UTC, the period of a statement: hours in [<see cref="Start"/>, <see cref="End"/>).</summary>
[JsonConverter(typeof(StatementMonthJson))]
public readonly record struct StatementMonth(int Year, int Month)
{
    public DateTimeOffset Start => new(Year, Month, 1, 0, 0, 0, TimeSpan.Zero);

    public DateTimeOffset End => Start.AddMonths(1);

    /// <exception cref="FormatException">Not YYYY-MM, a month outside 01..12, or one outside 2000-01..9999-11 (9999-12 has no next month to end at).</exception>
    public static StatementMonth Parse(string? text)
    {
        if (text is not { Length: 7 } || text[4] != '-'
            || !int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || !int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            || year < 2000 || month is < 1 or > 12 || (year, month) == (9999, 12))
        {
            throw new FormatException($"month '{text}' is not YYYY-MM (a UTC calendar month from 2000-01 to 9999-11, e.g. 2026-01)");
        }

        return new StatementMonth(year, month);
    }

    public override string ToString() => $"{Year:D4}-{Month:D2}";
}

/// <summary>A month in JSON is its YYYY-MM text.</summary>
public sealed class StatementMonthJson : JsonConverter<StatementMonth>
{
    public override StatementMonth Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => StatementMonth.Parse(reader.GetString());

    public override void Write(Utf8JsonWriter writer, StatementMonth value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
