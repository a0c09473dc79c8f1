using System.Text;
using System.Text.Json;
using Marten;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Ingest.InvoiceLines;
using TrueCost.Ledger.InvoiceLines;

namespace TrueCost.UnitTests.Import;

/// <summary>
/// schemas/examples/focus/focus-1.3-ai-billing.csv has the shape of the FOCUS spec's AI model billing, prompt caching
/// and commitment drawdown examples (their columns, value spellings, units, SkuPriceDetails keys, RequesterDetails),
/// with data of its own: one account, one billing period, two exports (the model developer's and a marketplace's).
/// </summary>
public class FocusRestatementTests
{
    private const string Sample = "focus-1.3-ai-billing.csv";
    private const string Direct = "acct-7310|2026-11-01T00:00:00Z|2026-12-01T00:00:00Z|Nimbus Models";
    private const string Marketplace = "acct-7310|2026-11-01T00:00:00Z|2026-12-01T00:00:00Z|Stratus Cloud";

    private static string SampleText => File.ReadAllText(Path.Combine(FocusFiles.ExamplesPath, Sample));

    [Fact]
    public void Every_row_shaped_like_the_specs_AI_billing_examples_is_accepted()
    {
        var rows = FocusFiles.ReadExample(Sample);

        Assert.Equal(13, rows.Count);
        Assert.All(rows, r => Assert.True(r.Record is not null, r.Error));
        var lines = rows.Select(r => r.Record!).ToList();
        Assert.Equal(
            [TokenCacheActions.Uncached, TokenCacheActions.Read, TokenCacheActions.Write, TokenCacheActions.Uncached],
            lines.Where(l => l.SkuPriceDetails?.TokenCacheAction is not null).Select(l => l.SkuPriceDetails!.TokenCacheAction).Take(4));
        Assert.Contains(lines, l => l is { ChargeCategory: ChargeCategories.Credit, ChargeClass: ChargeClasses.Correction, BilledCost: > 0 });
        Assert.Contains(lines, l => l is { ChargeCategory: "Usage", BilledCost: < 0, ConsumedQuantity: < 0 });
        Assert.Equal(["1000 Tokens", "1000000 Token-Hours", "1000000 Tokens", "Tokens", "USD"], lines.Select(l => l.PricingUnit).OfType<string>().Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FOCUS_1_3_columns_are_kept_as_fields_and_the_rest_verbatim()
    {
        var lines = FocusFiles.ReadExample(Sample).Select(r => r.Record!).ToList();
        var input = lines[0];
        var committed = lines.Single(l => l.SkuId == "nimbus-small-1-output");

        Assert.Equal(("Nimbus Models", "Nimbus Models", "Nimbus Models", "NM-2026-11-0042"), (input.ServiceProviderName, input.HostProviderName, input.InvoiceIssuerName, input.InvoiceId));
        Assert.Equal(("Generative AI", "Example Labs", "USD"), (input.ServiceSubcategory, input.BillingAccountName, input.PricingCurrency));
        Assert.Equal((21000000m, "Tokens"), (input.ConsumedQuantity, input.ConsumedUnit));
        Assert.Equal(200000, input.SkuPriceDetails!.Other!["x_ContextWindow"].GetInt32());
        Assert.Equal("Input Tokens", input.Extensions!["x_Focus_SkuMeter"].GetString());
        Assert.StartsWith("[{", input.Extensions["x_Focus_RequesterDetails"].GetString(), StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "support", ["replicas"] = "3", ["prod"] = "" }, input.Tags);
        Assert.Equal(("Stratus Cloud", "Nimbus Models", "Used", "Spend"), (committed.HostProviderName, committed.ServiceProviderName, committed.CommitmentDiscountStatus, committed.CommitmentDiscountCategory));
        // The draft key TokenType stands in for TokenDirection, and is what the ledger stores.
        Assert.Equal(TokenDirections.Output, InvoiceLineSource.ToRecorded(committed).TokenDirection);
    }

    [Fact]
    public void Each_export_in_the_file_is_its_own_import_scope_with_its_own_import_id()
    {
        var lines = FocusFiles.ReadExample(Sample).Select(r => r.Record!).ToList();

        Assert.Equal([Direct, Marketplace], lines.Select(l => l.ImportScope).Distinct());
        Assert.Equal(2, lines.Select(l => l.ImportId).Distinct().Count());
        Assert.All(lines, l => Assert.Matches("^import-[0-9a-f]{32}$", l.ImportId));
        Assert.All(lines, l => Assert.Matches("^focus-[0-9a-f]{32}$", l.LineId));
    }

    [Fact]
    public void An_identical_re_export_gives_the_same_import_ids_and_line_ids_even_with_its_rows_reordered()
    {
        var lines = FocusFiles.Read(SampleText, "nov.csv").Select(r => r.Record!).ToList();
        var rows = SampleText.TrimEnd('\n').Split('\n');
        var reordered = string.Join('\n', [rows[0], .. rows[1..].Reverse()]) + "\n";

        var again = FocusFiles.Read(reordered, "nov-reissued.csv").Select(r => r.Record!).ToList();

        Assert.Equal(Ids(lines), Ids(again));
    }

    [Fact]
    public void A_re_export_with_one_corrected_amount_restates_only_that_scope()
    {
        var before = FocusFiles.Read(SampleText).Select(r => r.Record!).ToList();
        Assert.Single(before, l => l.EffectiveCost == 930.00m);
        var corrected = SampleText.Replace(",930.00,", ",925.00,", StringComparison.Ordinal);

        var after = FocusFiles.Read(corrected).Select(r => r.Record!).ToList();

        Assert.Equal(Ids(before.Where(l => l.ImportScope == Direct)), Ids(after.Where(l => l.ImportScope == Direct)));
        Assert.NotEqual(ImportId(before, Marketplace), ImportId(after, Marketplace));
        Assert.Empty(before.Where(l => l.ImportScope == Marketplace).Select(l => l.LineId).Intersect(after.Select(l => l.LineId)));
    }

    [Fact]
    public void Rows_without_a_billing_period_have_no_scope_and_keep_their_content_ids()
    {
        const string csv = "BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,BillingAccountId\n1,1,USD,2026-10-14T09:00:00Z,2026-10-14T10:00:00Z,Usage,acct-1\n";

        var line = Assert.Single(FocusFiles.Read(csv)).Record!;

        Assert.Null(line.ImportScope);
        Assert.Null(line.ImportId);
        Assert.Equal(FocusImportIdentity.LineId(null, "BilledCost=1\u001fBillingAccountId=acct-1\u001fBillingCurrency=USD\u001fChargeCategory=Usage\u001fChargePeriodEnd=2026-10-14T10:00:00Z\u001fChargePeriodStart=2026-10-14T09:00:00Z\u001fEffectiveCost=1", 1), line.LineId);
    }

    [Fact]
    public void A_scope_reads_the_same_however_the_file_writes_its_timestamps_and_escapes_separators()
    {
        const string header = "BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,BillingAccountId,BillingPeriodStart,BillingPeriodEnd,ProviderName";
        var rows = FocusFiles.Read($"{header}\n1,1,USD,2026-10-14T09:00:00Z,2026-10-14T10:00:00Z,Usage,a|b,2026-10-01T00:00Z,2026-11-01T00:00:00.000+00:00,OpenAI\n");

        Assert.Equal(@"a\|b|2026-10-01T00:00:00Z|2026-11-01T00:00:00Z|OpenAI", Assert.Single(rows).Record!.ImportScope);
    }

    [Theory]
    [InlineData("Input", "Hit", "SkuPriceDetails.TokenCacheAction 'Hit' is not one of Other, Read, Uncached, Write")]
    [InlineData("Input", "cached", "SkuPriceDetails.TokenCacheAction 'cached' is not one of Other, Read, Uncached, Write")]
    [InlineData("input", "Read", "SkuPriceDetails.TokenDirection 'input' is not one of Input, Output")]
    [InlineData("Output", "Read", "SkuPriceDetails.TokenCacheAction 'Read' is on TokenDirection \"Output\"; FOCUS cache actions describe input (request) tokens only")]
    public void A_token_value_FOCUS_does_not_allow_is_refused_naming_the_key_and_value(string direction, string cacheAction, string reason)
    {
        var bad = SampleText.Replace(
            "\"\"TokenDirection\"\":\"\"Input\"\",\"\"TokenCacheAction\"\":\"\"Read\"\"",
            $"\"\"TokenDirection\"\":\"\"{direction}\"\",\"\"TokenCacheAction\"\":\"\"{cacheAction}\"\"",
            StringComparison.Ordinal);

        var rejected = Assert.Single(FocusFiles.Read(bad, "nov.csv"), r => r.Record is null);

        Assert.Equal($"invoice file nov.csv, row 3: {reason}", rejected.Error);
    }

    [Fact]
    public void A_month_first_date_is_refused_rather_than_guessed()
    {
        var bad = SampleText.Replace("2026-11-05T00:00:00Z,", "11/5/26,", StringComparison.Ordinal);

        var rejected = Assert.Single(FocusFiles.Read(bad, "nov.csv"), r => r.Record is null);

        Assert.Contains("ChargePeriodStart '11/5/26' is not an ISO 8601 date-time", rejected.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_stored_line_carries_the_new_columns_and_an_event_stored_before_them_still_reads()
    {
        var recorded = InvoiceLineSource.ToRecorded(FocusFiles.ReadExample(Sample)[0].Record!);
        Assert.Equal((Direct, "Uncached", "NM-2026-11-0042", 21000000m), (recorded.ImportScope, recorded.TokenCacheAction, recorded.InvoiceId, recorded.ConsumedQuantity));

        // The JSON of a RecordedInvoiceLine as stored before the trailing parameters existed.
        const string old = """
            {"LineId":"focus-0a1b","BilledCost":12.5,"EffectiveCost":10,"ListCost":null,"Currency":"USD",
             "ChargePeriodStart":"2026-10-14T09:00:00+00:00","ChargePeriodEnd":"2026-10-14T10:00:00+00:00",
             "ChargeCategory":"Usage","ChargeClass":null,"ChargeDescription":null,"ProviderName":"AWS","ServiceCategory":"Compute",
             "ServiceName":"EC2","ResourceId":null,"SkuId":null,"ModelId":null,"TokenDirection":null,"PricingQuantity":1,
             "PricingUnit":"Hours","Tags":{"team":"inference"}}
            """;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(old));
        var read = new StoreOptions().Serializer().FromJson<RecordedInvoiceLine>(stream);

        Assert.Equal(("focus-0a1b", 12.5m, "inference"), (read.LineId, read.BilledCost, read.Tags["team"]));
        Assert.Null(read.ImportScope);
        Assert.Null(read.ImportId);
        Assert.Null(read.ConsumedQuantity);
        Assert.Null(JsonSerializer.Deserialize<RecordedInvoiceLine>(old)!.ImportId);
    }

    private static List<string> Ids(IEnumerable<InvoiceLineRecord> lines) =>
        [.. lines.Select(l => $"{l.ImportId} {l.LineId}").Order(StringComparer.Ordinal)];

    private static string ImportId(IEnumerable<InvoiceLineRecord> lines, string scope) =>
        lines.Where(l => l.ImportScope == scope).Select(l => l.ImportId!).Distinct().Single();
}
