using System.Globalization;
using CsvHelper;
using Parquet;
using Parquet.Schema;

namespace TrueCost.Api.Costs;

/// <summary>
/// cost rows as files for data teams: one column per grouped dimension, then currency, then the
/// money columns with the same names as in cost_hourly.
/// </summary>
internal static class CostExports
{
    public const string CsvContentType = "text/csv; charset=utf-8";
    public const string ParquetContentType = "application/vnd.apache.parquet";

    private const int RowGroupSize = 50_000;

    public static IReadOnlyList<string> Header(IReadOnlyList<CostDimension> groupBy) =>
        [.. groupBy.Select(d => d.Name()), "currency", .. CostAmounts.Columns, .. CostAmounts.CountColumns];

    /// <summary>
    /// Writes a header row and every row, invariant culture. The first row is read before anything
    /// is written, so a failing query still gets an error response rather than a cut-off file.
    /// </summary>
    public static async Task WriteCsvAsync(IAsyncEnumerable<CostRow> rows, IReadOnlyList<CostDimension> groupBy, string currency, Stream output, CancellationToken ct)
    {
        await using var e = rows.GetAsyncEnumerator(ct);
        var more = await e.MoveNextAsync();
        await using var csv = CsvWriter.Create(output, CsvWriterOptions.Default with { FormatProvider = CultureInfo.InvariantCulture }, leaveOpen: true);
        foreach (var name in Header(groupBy))
        {
            csv.WriteField(name);
        }

        await csv.EndRecordAsync(ct);
        for (; more; more = await e.MoveNextAsync())
        {
            foreach (var d in groupBy)
            {
                csv.WriteField(e.Current.Text(d));
            }

            csv.WriteField(currency);
            foreach (var value in e.Current.Values())
            {
                csv.WriteField(value);
            }

            foreach (var count in e.Current.Counts())
            {
                csv.WriteField(count);
            }

            await csv.EndRecordAsync(ct);
        }
    }

    /// <summary>Writes Parquet with decimal(18,2) money columns and a UTC timestamp hour column; the output must be seekable.</summary>
    public static async Task WriteParquetAsync(IAsyncEnumerable<CostRow> rows, IReadOnlyList<CostDimension> groupBy, string currency, Stream output, CancellationToken ct)
    {
        var dimensionFields = groupBy.Select(d => d == CostDimension.Hour
            ? (DataField)new DateTimeDataField(d.Name(), DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis)
            : new DataField<string>(d.Name())).ToList();
        var currencyField = new DataField<string>("currency");
        var moneyFields = CostAmounts.Columns.Select(c => new DecimalDataField(c, precision: 18, scale: 2)).ToList();
        var countFields = CostAmounts.CountColumns.Select(c => new DataField<long>(c)).ToList();
        await using var writer = await ParquetWriter.CreateAsync(
            new ParquetSchema([.. dimensionFields, currencyField, .. moneyFields, .. countFields]), output, cancellationToken: ct);

        var buffer = new List<CostRow>(RowGroupSize);
        await foreach (var row in rows.WithCancellation(ct))
        {
            buffer.Add(row);
            if (buffer.Count == RowGroupSize)
            {
                await WriteRowGroupAsync(writer, buffer, groupBy, dimensionFields, currencyField, moneyFields, countFields, currency, ct);
                buffer.Clear();
            }
        }

        if (buffer.Count > 0)
        {
            await WriteRowGroupAsync(writer, buffer, groupBy, dimensionFields, currencyField, moneyFields, countFields, currency, ct);
        }
    }

    private static async Task WriteRowGroupAsync(
        ParquetWriter writer,
        List<CostRow> rows,
        IReadOnlyList<CostDimension> groupBy,
        List<DataField> dimensionFields,
        DataField currencyField,
        List<DecimalDataField> moneyFields,
        List<DataField<long>> countFields,
        string currency,
        CancellationToken ct)
    {
        using var group = writer.CreateRowGroup();
        for (var i = 0; i < groupBy.Count; i++)
        {
            var d = groupBy[i];
            if (d == CostDimension.Hour)
            {
                await group.WriteAsync<DateTime>(dimensionFields[i], rows.Select(r => r.Hour!.Value.UtcDateTime).ToArray(), cancellationToken: ct);
            }
            else
            {
                await group.WriteAsync(dimensionFields[i], rows.Select(r => r.Text(d)).ToArray());
            }
        }

        await group.WriteAsync(currencyField, Enumerable.Repeat(currency, rows.Count).ToArray());
        for (var c = 0; c < moneyFields.Count; c++)
        {
            var column = c;
            await group.WriteAsync<decimal>(moneyFields[c], rows.Select(r => r.Values()[column]).ToArray(), cancellationToken: ct);
        }

        for (var c = 0; c < countFields.Count; c++)
        {
            var column = c;
            await group.WriteAsync<long>(countFields[c], rows.Select(r => r.Counts()[column]).ToArray(), cancellationToken: ct);
        }

        group.CompleteValidate();
    }
}
