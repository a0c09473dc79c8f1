using TrueCost.Contracts.InvoiceLines;
using TrueCost.Ingest.InvoiceLines;

namespace TrueCost.UnitTests.Import;

/// <summary>schemas/examples/focus: a realistic export that must import whole, and one whose rows are each wrong in one way.</summary>
public class FocusExampleFileTests
{
    [Fact]
    public void Every_row_of_the_sample_export_is_accepted()
    {
        var rows = FocusFiles.ReadExample("focus-sample.csv");

        Assert.Equal(14, rows.Count);
        Assert.All(rows, r => Assert.True(r.Record is not null, r.Error));
        Assert.Equal(14, rows.Select(r => r.Record!.LineId).Distinct().Count());
    }

    [Fact]
    public void The_sample_totals_per_currency_equal_the_hand_computed_sums()
    {
        var summary = new FocusImportSummary();
        foreach (var row in FocusFiles.ReadExample("focus-sample.csv"))
        {
            summary.Add(row);
        }

        // USD billed: 98.32 + 52560.00 (Savings Plan purchase) + 0 (covered usage) + 2 × 111.111102 (identical egress rows)
        //   + 11.78175 − 250.00 (SLA credit) + 40.00 (correction) + 46.25 + 21.40 + 7.875 (tokens) + 8.54 (logs) = 52766.388954
        // USD effective: the same, with the purchase amortized away (0) and its covered hour at 6.00 = 212.388954
        // EUR: 33.60 (L40S day) + 6.72 (VAT) for both.
        Assert.Equal(
            new Dictionary<string, CurrencyTotals>
            {
                ["EUR"] = new(2, 40.32m, 40.32m),
                ["USD"] = new(12, 52766.388954m, 212.388954m),
            },
            summary.Totals);
        Assert.Equal((14, 14, 0), (summary.RowsRead, summary.Produced, summary.Rejected));
    }

    [Fact]
    public void The_sample_keeps_FOCUS_columns_as_fields_and_the_rest_as_extensions()
    {
        var rows = FocusFiles.ReadExample("focus-sample.csv").Select(r => r.Record!).ToList();
        var gpu = rows[0];
        var purchase = rows.Single(r => r.ChargeCategory == "Purchase");
        var covered = rows.Single(r => r.CommitmentDiscountStatus == "Used");

        Assert.Equal("us-east-1", gpu.RegionId);
        Assert.Equal("us-east-1a", gpu.Extensions!["x_Focus_AvailabilityZone"].GetString());
        Assert.Equal("USE1-BoxUsage:p5.48xlarge", gpu.Extensions["x_UsageType"].GetString());
        Assert.Equal(new Dictionary<string, string> { ["truecost-bucket"] = "direct_inference", ["truecost-pool"] = "h100-a", ["team"] = "inference", ["gpu"] = "" }, gpu.Tags);
        Assert.Equal((52560.00m, 0m), (purchase.BilledCost, purchase.EffectiveCost));
        Assert.Equal((0m, 6.00m), (covered.BilledCost, covered.EffectiveCost));
        Assert.Equal(purchase.CommitmentDiscountId, covered.CommitmentDiscountId);
        Assert.Contains(rows, r => r is { ChargeCategory: ChargeCategories.Credit, ChargeClass: ChargeClasses.Correction, BilledCost: > 0 });
        Assert.Contains(rows, r => r.SkuPriceDetails is { TokenDirection: TokenDirections.Input, TokenCacheAction: TokenCacheActions.Read });
    }

    [Fact]
    public void Each_bad_row_is_rejected_for_its_own_reason_and_the_good_rows_pass()
    {
        var expected = new Dictionary<int, string?>
        {
            [2] = null,
            [3] = "ChargePeriodStart '2026-10-14T11:00:00+02:00' is not UTC",
            [4] = "ChargePeriodStart '2026-10-14T09:00:00' has no UTC designator",
            [5] = "ChargePeriodEnd 2026-10-01T00:00:00Z is before ChargePeriodStart 2026-10-02T00:00:00Z",
            [6] = "ChargePeriodStart '2026-10-14' is not an ISO 8601 date-time",
            [7] = "BilledCost '1,234.50' is not a FOCUS numeric value",
            [8] = "EffectiveCost '$12.00' is not a FOCUS numeric value",
            [9] = "BilledCost is empty, but FOCUS requires a value",
            [10] = "EffectiveCost: 0.12345678901234567890123456789 cannot be held exactly as a decimal",
            [11] = "ServiceCategory 'GPU Cloud' is not one of",
            [12] = "ChargeCategory 'Refund' is not one of Adjustment, Credit, Purchase, Tax, Usage",
            [13] = "BillingCurrency 'usd' is not one of",
            [14] = "ChargeClass 'Rebate' is not allowed",
            [15] = "ChargePeriodStart 2099-01-01T00:00:00.0000000+00:00 is more than 1 h in the future",
            [16] = "Tags is not valid JSON",
            [17] = "Tags['owners'] is an array; FOCUS tag values are strings, numbers, booleans or null",
            [18] = "SkuPriceDetails.TokenDirection 'Sideways' is not one of Input, Output",
            [19] = "SkuPriceDetails.TokenCacheAction 'Read' is on TokenDirection \"Output\"; FOCUS cache actions describe input (request) tokens only",
            [20] = "PricingQuantity 3 has no PricingUnit",
            [21] = null,
            [22] = "the row has 5 fields, the header has 14",
            [23] = "malformed CSV: text after the closing quote of a field",
        };

        var rows = FocusFiles.ReadExample("focus-bad.csv");

        Assert.Equal(expected.Keys, rows.Select(r => r.Row));
        Assert.All(rows, row =>
        {
            if (expected[row.Row] is { } reason)
            {
                Assert.Null(row.Record);
                Assert.StartsWith($"invoice file focus-bad.csv, row {row.Row}: ", row.Error, StringComparison.Ordinal);
                Assert.Contains(reason, row.Error, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(row.Record is not null, row.Error);
            }
        });
    }
}
