using System.Globalization;
using CsvHelper;
using Parquet;
using Parquet.Schema;
using TrueCost.IntegrationTests.Infrastructure;

namespace TrueCost.IntegrationTests.Api;

[Collection("infrastructure")]
public sealed class CostExportTests(InfrastructureFixture infra)
{
    private static readonly string[] GroupBy = ["hour", "route", "tenant"];

    [Fact]
    public async Task Csv_export_has_a_header_and_every_group_and_parses_back_to_the_same_numbers()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);

        var (bytes, mediaType) = await api.GetBytesAsync($"/v1/costs.csv?{KnownCosts.Range}&group_by=hour,route,tenant");

        Assert.Equal("text/csv", mediaType);
        Assert.StartsWith("hour,route,tenant,currency,direct_inference,platform_overhead,observability,engineering,incident,idle,total,unpriced_requests,unpriced_tokens\r\n", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        var rows = CsvGroups(bytes, GroupBy);
        var expected = KnownCosts.Grouped(KnownCosts.InRange, GroupBy);
        Assert.Equal(expected.Count, rows.Count);
        Assert.All(expected, e => Assert.Equal(e.Value, rows[e.Key]));
    }

    [Fact]
    public async Task Parquet_export_reads_back_as_decimal_columns_with_the_same_numbers()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);

        var (bytes, mediaType) = await api.GetBytesAsync($"/v1/costs.parquet?{KnownCosts.Range}&group_by=hour,route,tenant");

        Assert.Equal("application/vnd.apache.parquet", mediaType);
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(bytes));
        var fields = reader.Schema.GetDataFields();
        Assert.Equal([.. GroupBy, "currency", .. KnownCosts.Money, .. KnownCosts.Counts], fields.Select(f => f.Name));
        Assert.All(fields.Where(f => KnownCosts.Money.Contains(f.Name)), f =>
        {
            var money = Assert.IsType<DecimalDataField>(f);
            Assert.Equal((18, 2), (money.Precision, money.Scale));
        });

        var rows = await ParquetGroupsAsync(reader, fields);
        var expected = KnownCosts.Grouped(KnownCosts.InRange, GroupBy);
        Assert.Equal(expected.Count, rows.Count);
        Assert.All(expected, e => Assert.Equal(e.Value, rows[e.Key]));
    }

    [Fact]
    public async Task An_empty_range_exports_just_the_header()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);

        var (csv, _) = await api.GetBytesAsync("/v1/costs.csv?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z&group_by=model");
        var (parquet, _) = await api.GetBytesAsync("/v1/costs.parquet?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z&group_by=model");

        Assert.Equal("model,currency,direct_inference,platform_overhead,observability,engineering,incident,idle,total,unpriced_requests,unpriced_tokens\r\n", System.Text.Encoding.UTF8.GetString(csv));
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(parquet));
        Assert.Equal(0, reader.RowGroupCount);
    }

    internal static Dictionary<string, decimal[]> CsvGroups(byte[] csv, IReadOnlyList<string> groupBy)
    {
        using var reader = CsvReader.Create(csv);
        var groups = new Dictionary<string, decimal[]>();
        while (reader.Read())
        {
            Assert.Equal("USD", reader.GetString("currency"));
            var key = string.Join('|', groupBy.Select(reader.GetString));
            groups.Add(key, [.. KnownCosts.Money.Select(m => decimal.Parse(reader.GetString(m), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture))]);
        }

        return groups;
    }

    private static async Task<Dictionary<string, decimal[]>> ParquetGroupsAsync(ParquetReader reader, DataField[] fields)
    {
        DataField Field(string name) => fields.Single(f => f.Name == name);
        var groups = new Dictionary<string, decimal[]>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = (int)group.RowCount;
            async Task<string[]> StringsAsync(string name)
            {
                var values = new string[n];
                await group.ReadAsync(Field(name), values);
                return values;
            }

            var hours = new DateTime[n];
            await group.ReadAsync<DateTime>(Field("hour"), hours);
            var (routes, tenants, currencies) = (await StringsAsync("route"), await StringsAsync("tenant"), await StringsAsync("currency"));
            var money = new decimal[KnownCosts.Money.Length][];
            for (var m = 0; m < money.Length; m++)
            {
                money[m] = new decimal[n];
                await group.ReadAsync<decimal>(Field(KnownCosts.Money[m]), money[m]);
            }

            for (var i = 0; i < n; i++)
            {
                Assert.Equal("USD", currencies[i]);
                var hour = DateTime.SpecifyKind(hours[i], DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                groups.Add($"{hour}|{routes[i]}|{tenants[i]}", [.. money.Select(column => column[i])]);
            }
        }

        return groups;
    }
}
