using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.InvoiceLines;

namespace TrueCost.UnitTests.Import;

public class FocusCsvReaderTests
{
    private const string Header = "BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory";
    private const string Row = "12.50,10.00,USD,2026-10-14T09:00:00Z,2026-10-14T10:00:00Z,Usage";

    [Fact]
    public void Columns_are_found_by_their_names_in_any_order()
    {
        const string extra = "ChargeDescription,RegionId,x_UsageType,ListCost";
        const string extraRow = "\"GPU, on demand\",us-east-1,BoxUsage:p5.48xlarge,13.00";
        var forward = Single(FocusFiles.Read($"{Header},{extra}\n{Row},{extraRow}\n"));
        var backward = Single(FocusFiles.Read(Reverse($"{Header},{extra}") + "\n" + Reverse($"{Row},{extraRow}") + "\n"));

        Assert.True(JsonNode.DeepEquals(WithoutId(forward), WithoutId(backward)), $"{WithoutId(forward)} vs {WithoutId(backward)}");
        Assert.Equal(12.50m, backward.BilledCost);
        Assert.Equal("GPU, on demand", backward.ChargeDescription);

        static string Reverse(string line) => string.Join(',', SplitCsv(line).Reverse());
    }

    [Fact]
    public void Quoted_JSON_cells_carry_sku_price_details_and_tags()
    {
        var sku = Cell("""{"ModelId":"gpt-4o-2024-08-06","TokenDirection":"Input","TokenCacheAction":"Read","F_GpuCount":8}""");
        var tags = Cell("""{"team":"search, ranking","prod":true,"owner":null,"tier":2,"shared":false}""");
        var line = Single(FocusFiles.Read($"{Header},SkuPriceDetails,Tags,ChargeDescription\n{Row},{sku},{tags},\"an \"\"escaped\"\" quote\"\n"));

        Assert.Equal("gpt-4o-2024-08-06", line.SkuPriceDetails!.ModelId);
        Assert.Equal(TokenDirections.Input, line.SkuPriceDetails.TokenDirection);
        Assert.Equal(TokenCacheActions.Read, line.SkuPriceDetails.TokenCacheAction);
        Assert.Equal(8, line.SkuPriceDetails.Other!["F_GpuCount"].GetInt32());
        // FOCUS key-only tags (true) become "", null tags are dropped, numbers and false keep their JSON text.
        Assert.Equal(
            new Dictionary<string, string> { ["team"] = "search, ranking", ["prod"] = "", ["tier"] = "2", ["shared"] = "false" },
            line.Tags);
        Assert.Equal("an \"escaped\" quote", line.ChargeDescription);
    }

    [Fact]
    public void Empty_cells_are_null()
    {
        var line = Single(FocusFiles.Read($"{Header},ListCost,ResourceId,ChargeClass,Tags,SkuPriceDetails,PricingQuantity,RegionId,x_Note\n{Row},,,,,,,,\n"));

        Assert.Null(line.ListCost);
        Assert.Null(line.ResourceId);
        Assert.Null(line.ChargeClass);
        Assert.Null(line.Tags);
        Assert.Null(line.SkuPriceDetails);
        Assert.Null(line.PricingQuantity);
        Assert.True(line.Extensions is null or { Count: 0 }, "an empty x_ cell is no extension");
    }

    [Fact]
    public void Decimals_are_kept_exactly_as_written()
    {
        var line = Single(FocusFiles.Read($"{Header},ListCost,PricingQuantity,PricingUnit\n0.0000001234,123456789012.0000000001,USD,2026-10-14T09:00:00Z,2026-10-14T10:00:00Z,Usage,1.5E-7,007.50,Tokens\n"));

        Assert.Equal("0.0000001234", line.BilledCost.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("123456789012.0000000001", line.EffectiveCost.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0.00000015m, line.ListCost);
        Assert.Equal("7.50", line.PricingQuantity!.Value.ToString(CultureInfo.InvariantCulture));
        Assert.Contains("\"BilledCost\":0.0000001234,", Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(line, WireJson.Options)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_decimal_that_would_have_to_be_rounded_is_rejected()
    {
        var row = Assert.Single(FocusFiles.Read($"{Header}\n0.12345678901234567890123456789,1,USD,2026-10-14T09:00:00Z,2026-10-14T10:00:00Z,Usage\n"));

        Assert.Null(row.Record);
        Assert.Contains("BilledCost", row.Error, StringComparison.Ordinal);
        Assert.Contains("cannot be held exactly as a decimal", row.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,234.50")]
    [InlineData("+12")]
    [InlineData("$12")]
    [InlineData("12 USD")]
    [InlineData("NaN")]
    [InlineData("1 1/2")]
    [InlineData(".5")]
    public void A_number_outside_the_FOCUS_numeric_format_is_rejected(string cell)
    {
        var row = Assert.Single(FocusFiles.Read($"{Header}\n{Cell(cell)},1,USD,2026-10-14T09:00:00Z,2026-10-14T10:00:00Z,Usage\n"));

        Assert.Equal($"invoice file focus-2026-10.csv, row 2: BilledCost '{cell}' is not a FOCUS numeric value: digits with an optional leading '-' and one '.', without '+', thousands separators, currency symbols or units", row.Error);
    }

    [Fact]
    public void A_timestamp_that_is_not_UTC_is_rejected_with_its_file_and_row()
    {
        var rows = FocusFiles.Read(
            $"{Header}\n{Row}\n" +
            "1,1,USD,2026-10-14T11:00:00+02:00,2026-10-14T10:00:00Z,Usage\n" +
            "1,1,USD,2026-10-14T09:00:00,2026-10-14T10:00:00Z,Usage\n" +
            "1,1,USD,2026-10-14T09:00:00.250+00:00,2026-10-14T10:00:00Z,Usage\n");

        Assert.NotNull(rows[0].Record);
        Assert.Equal("invoice file focus-2026-10.csv, row 3: ChargePeriodStart '2026-10-14T11:00:00+02:00' is not UTC; FOCUS date-times are UTC and end with Z", rows[1].Error);
        Assert.Equal("invoice file focus-2026-10.csv, row 4: ChargePeriodStart '2026-10-14T09:00:00' has no UTC designator, so its instant is ambiguous; FOCUS date-times are UTC and end with Z", rows[2].Error);
        Assert.Equal(new DateTimeOffset(2026, 10, 14, 9, 0, 0, 250, TimeSpan.Zero), rows[3].Record!.ChargePeriodStart);
    }

    [Fact]
    public void A_charge_period_that_ends_before_it_starts_is_rejected_for_the_ingest_parsers_reason()
    {
        var row = Assert.Single(FocusFiles.Read($"{Header}\n1,1,USD,2026-10-02T00:00:00Z,2026-10-01T00:00:00Z,Usage\n"));

        Assert.Null(row.Record);
        Assert.Equal("invoice file focus-2026-10.csv, row 2: ChargePeriodEnd 2026-10-01T00:00:00Z is before ChargePeriodStart 2026-10-02T00:00:00Z", row.Error);
    }

    [Fact]
    public void Rows_are_numbered_by_the_line_they_start_on()
    {
        var rows = FocusFiles.Read($"{Header},ChargeDescription\n{Row},\"two\nlines\"\n\n{Row},after a blank line\n");

        Assert.Equal([2, 5], rows.Select(r => r.Row));
        Assert.Equal("two\nlines", rows[0].Record!.ChargeDescription);
    }

    [Fact]
    public void Identical_rows_in_one_file_are_two_charges_with_distinct_ids()
    {
        var rows = FocusFiles.Read($"{Header}\n{Row}\n{Row}\n");

        Assert.Equal(2, rows.Count);
        Assert.NotEqual(rows[0].Record!.LineId, rows[1].Record!.LineId);
        Assert.Equal(rows[0].Record!.BilledCost, rows[1].Record!.BilledCost);
    }

    [Fact]
    public void The_same_file_read_again_gets_the_same_ids_whatever_it_is_called()
    {
        var csv = $"{Header}\n{Row}\n{Row}\n";

        var first = FocusFiles.Read(csv, "focus-2026-10.csv").Select(r => r.Record!.LineId).ToList();
        var again = FocusFiles.Read(csv, "copy-of-october.csv").Select(r => r.Record!.LineId).ToList();

        Assert.Equal(first, again);
        Assert.All(first, id => Assert.Matches("^focus-[0-9a-f]{32}$", id));
    }

    [Fact]
    public void A_re_issued_export_with_more_rows_keeps_the_ids_of_the_rows_already_imported()
    {
        var original = FocusFiles.Read($"{Header}\n{Row}\n").Single().Record!.LineId;
        var grown = FocusFiles.Read($"{Header}\n{Row}\n{Row}\n").Select(r => r.Record!.LineId).ToList();

        Assert.Equal(original, grown[0]);
        Assert.NotEqual(original, grown[1]);
    }

    [Fact]
    public void Columns_outside_the_contract_are_kept_verbatim_as_extensions_the_ingest_accepts()
    {
        var line = Single(FocusFiles.Read($"{Header},AvailabilityZone,SkuPriceId,AllocatedMethodId,x_UsageType,oci_CompartmentId\n{Row},us-east-1a,sp-1,proportional,BoxUsage:p5,ocid1.compartment\n"));

        Assert.Equal("us-east-1a", line.Extensions!["x_Focus_AvailabilityZone"].GetString());
        Assert.Equal("sp-1", line.Extensions["x_Focus_SkuPriceId"].GetString());
        Assert.Equal("proportional", line.Extensions["x_Focus_AllocatedMethodId"].GetString());
        Assert.Equal("BoxUsage:p5", line.Extensions["x_UsageType"].GetString());
        Assert.Equal("ocid1.compartment", line.Extensions["x_Focus_oci_CompartmentId"].GetString());
        var wire = JsonSerializer.SerializeToUtf8Bytes(line, WireJson.Options);
        var ingested = new InvoiceLineParser(TimeProvider.System).Parse(wire);
        Assert.True(ingested.IsValid, ingested.Error);
        Assert.Equal(wire, JsonSerializer.SerializeToUtf8Bytes(ingested.Record, WireJson.Options));
    }

    [Fact]
    public void A_byte_order_mark_and_CRLF_line_ends_are_read_like_any_other_file()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes($"{Header}\r\n{Row}\r\n")).ToArray();

        var line = Single(FocusFiles.Read(bytes, "azure-export.csv"));

        Assert.Equal(12.50m, line.BilledCost);
        Assert.Equal("Usage", line.ChargeCategory);
    }

    [Theory]
    [InlineData("billedcost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory", "column 'billedcost' is not a FOCUS column name; did you mean 'BilledCost'?")]
    [InlineData("BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory", "the header lacks the required FOCUS column(s) EffectiveCost")]
    [InlineData("BilledCost,BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory", "column 'BilledCost' appears twice in the header")]
    [InlineData("x_LineId,BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory", "column 'x_LineId' is assigned by the importer")]
    [InlineData("AvailabilityZone,x_Focus_AvailabilityZone,BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory", "columns 'AvailabilityZone' and 'x_Focus_AvailabilityZone' would both be kept as 'x_Focus_AvailabilityZone'")]
    [InlineData("x_ImportId,BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory", "column 'x_ImportId' is assigned by the importer")]
    [InlineData("BilledCost,,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory", "header column 2 has no name")]
    [InlineData("Billed\"Cost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory", "the header row is malformed CSV (StrayQuote)")]
    [InlineData("", "is empty; expected a header row of FOCUS column names")]
    public void A_file_whose_header_cannot_be_used_fails_as_a_whole(string header, string reason)
    {
        var e = Assert.Throws<FocusFileException>(() => FocusFiles.Read($"{header}\n"));

        Assert.StartsWith("invoice file focus-2026-10.csv", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    private static InvoiceLineRecord Single(List<FocusRow> rows)
    {
        var row = Assert.Single(rows);
        Assert.True(row.Record is not null, row.Error);
        return row.Record;
    }

    private static JsonNode WithoutId(InvoiceLineRecord line) =>
        JsonSerializer.SerializeToNode(line with { LineId = string.Empty }, WireJson.Options)!;

    /// <summary>A CSV cell holding <paramref name="value"/>: quoted, with its quotes doubled.</summary>
    private static string Cell(string value) => $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>Splits one CSV line of these tests on the commas outside quotes.</summary>
    private static IEnumerable<string> SplitCsv(string line)
    {
        var field = new StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }

            if (c == ',' && !quoted)
            {
                yield return field.ToString();
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        yield return field.ToString();
    }
}
