using System.Globalization;

namespace TrueCost.Reporting.Weekly;

/// <summary>How a <see cref="ReportTable"/> cell reads: grouped and signed for people, plain invariant for machines.</summary>
public static class CellFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Header(ReportColumn column, string currency)
    {
        ArgumentNullException.ThrowIfNull(column);
        return column.Kind is ColumnKind.Money or ColumnKind.MoneyChange ? $"{column.Name} ({currency})" : column.Name;
    }

    public static string ForPeople(object? value, ColumnKind kind) => (value, kind) switch
    {
        (null, _) => "—",
        (decimal m, ColumnKind.MoneyChange) => (m > 0 ? "+" : string.Empty) + m.ToString("N2", Invariant),
        (decimal m, ColumnKind.Money or ColumnKind.Amount) => m.ToString("N2", Invariant),
        (decimal s, ColumnKind.Share) => (s * 100).ToString("0.0", Invariant) + "%",
        (double s, ColumnKind.Share) => (s * 100).ToString("0.0", Invariant) + "%",
        (double p, ColumnKind.Percent) => p.ToString("0.0", Invariant),
        (double h, ColumnKind.Hours) => h.ToString("N1", Invariant),
        (long c, _) => c.ToString("N0", Invariant),
        _ => ForMachines(value),
    };

    public static string ForMachines(object? value) => value switch
    {
        null => string.Empty,
        double d => d.ToString("R", Invariant),
        IFormattable f => f.ToString(null, Invariant),
        _ => value.ToString() ?? string.Empty,
    };
}
