using System.Text.Json;
using Npgsql;
using TrueCost.IntegrationTests.Api;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Reporting;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.GpuSamples;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Governance.Commitments;
using TrueCost.Reporting.Rightsizing;

namespace TrueCost.IntegrationTests.Governance;

/// <summary>
/// One day of November 2026 with a FOCUS reserved instance on pool-h100 (Used lines of 3.00 EffectiveCost for 5.00
/// ListCost in hours 0–17, the Unused line of 3.00 in hours 18–23, an on-demand GPU of 5.00 an hour beside it) and a
/// configured reservation of two GPUs of pool-l40s for 1,440 a month (2.00 an hour), busy half the first twelve hours
/// and fully the last twelve.
/// </summary>
[Collection("infrastructure")]
public sealed class CommitmentApiTests(InfrastructureFixture infra)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private const string Range = "from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z";

    [Fact]
    public async Task Commitments_show_amortized_used_and_unused_cost_and_raise_findings_for_all_tenant_keys_only()
    {
        var governance = new GovernanceOptions
        {
            Commitments =
            [
                new CommitmentDefinition
                {
                    Name = "l40s-reserved", Kind = CommitmentKind.GpuReservation, Pool = "pool-l40s", Quantity = 2, Amount = 1440m,
                    Start = Day, End = Day.AddYears(1),
                },
            ],
        };
        await using var api = await ApiUnderTest.StartAsync(infra, governance: governance, seed: SeedAsync);

        var body = await api.GetJsonAsync($"/v1/commitments?{Range}");
        var commitments = body.GetProperty("commitments").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.Equal(["l40s-reserved", "ri-h100-1y"], commitments.Keys.Order(StringComparer.Ordinal));

        // FOCUS: amortized = EffectiveCost of the Used (18 × 3.00) and Unused (6 × 3.00) lines; the Purchase line adds nothing.
        var focus = commitments["ri-h100-1y"];
        Assert.Equal((72.00m, 54.00m, 18.00m), Money(focus));
        Assert.Equal(0.75m, focus.GetProperty("utilization").GetDecimal());

        // Covered on-demand value 18 × 5.00 of 90 + 24 × 5.00 on demand; discount 1 − 54 ÷ 90.
        Assert.Equal(0.4286m, focus.GetProperty("coverage").GetDecimal());
        Assert.Equal(0.4m, focus.GetProperty("discount").GetDecimal());
        Assert.Equal("pool pool-h100", focus.GetProperty("scope").GetString());

        // Configured reservation: 24 h × 2.00; busy GPU-hours 12 × 1 + 12 × 2 of 48 reserved.
        var gpu = commitments["l40s-reserved"];
        Assert.Equal((48.00m, 36.00m, 12.00m), Money(gpu));
        Assert.Equal(0.75m, gpu.GetProperty("utilization").GetDecimal());
        Assert.Equal(1m, gpu.GetProperty("coverage").GetDecimal());

        var findings = body.GetProperty("findings").EnumerateArray()
            .ToDictionary(f => (f.GetProperty("kind").GetString()!, f.GetProperty("subject").GetString()!), f => f.GetProperty("monthly_amount_at_stake").GetDecimal());
        Assert.Equal(540.00m, findings[(CommitmentFindings.UnderUsed, "commitment ri-h100-1y")]);
        Assert.Equal(360.00m, findings[(CommitmentFindings.UnderUsed, "commitment l40s-reserved")]);
        Assert.Equal(Math.Round((0.6m - 0.4286m) * 210m * 0.4m * 30m, 2), findings[(CommitmentFindings.CoverageLow, "commitment ri-h100-1y")]);
        Assert.Equal(3, findings.Count);

        // The same findings reach the weekly report and the reporting worker through FindingsService.
        var report = await FindingsService.ComputeAsync(api.Db, new LedgerOptions(), new FindingsOptions(), Day, Day.AddDays(1), governance.Commitments, CancellationToken.None);
        Assert.Equal([.. findings.Keys.Order()], report.Messages().Where(m => m.Kind.StartsWith("commitment.", StringComparison.Ordinal)).Select(m => (m.Kind, m.Subject)).Order().ToArray());

        var (status, _) = await api.GetProblemAsync($"/v1/commitments?{Range}", ApiUnderTest.AcmeKey);
        Assert.Equal(403, status);
    }

    private static (decimal, decimal, decimal) Money(JsonElement c) =>
        (c.GetProperty("amortized").GetDecimal(), c.GetProperty("used").GetDecimal(), c.GetProperty("unused").GetDecimal());

    private static async Task SeedAsync(NpgsqlDataSource db)
    {
        var schema = new LedgerOptions().Schema;
        var lines = new List<Dictionary<string, object>>
        {
            // The purchase: billed up front, EffectiveCost 0 (its cost reaches the usage lines amortized).
            Line(Day, "ri-purchase", 0m, "Purchase", commitment: ("ri-h100-1y", string.Empty), billed: 26_280m),
        };
        var gpus = new List<Dictionary<string, object>>();
        for (var h = 0; h < 24; h++)
        {
            var hour = Day.AddHours(h);
            lines.Add(h < 18
                ? Line(hour, "ri-used", 3.00m, "Usage", commitment: ("ri-h100-1y", "Used"), list: 5.00m)
                : Line(hour, "ri-unused", 3.00m, "Usage", commitment: ("ri-h100-1y", "Unused")));
            lines.Add(Line(hour, "h100-on-demand", 5.00m, "Usage", list: 5.00m));
            foreach (var gpu in new[] { "GPU-l40s-0", "GPU-l40s-1" })
            {
                gpus.Add(FlatRows.Values(("hour", hour), ("pool", "pool-l40s"), ("gpu_uuid", gpu), ("gpu_class", "L40S"), ("node", "node-1"),
                    ("samples", 240L), ("gpu_seconds", 3600.0), ("busy_gpu_seconds", h < 12 ? 1800.0 : 3600.0), ("util_peak", 90.0)));
            }
        }

        await FlatRows.InsertAsync(db, LedgerTables.QualifiedName(schema, LedgerTables.CostLineHourly), CostLineHourlyProjection.Columns, lines);
        await FlatRows.InsertAsync(db, LedgerTables.QualifiedName(schema, LedgerTables.GpuHourly), GpuHourlyProjection.Columns, gpus);
    }

    /// <summary>A cost_line_hourly row of pool-h100 as the projection writes a FOCUS line of AWS EC2.</summary>
    private static Dictionary<string, object> Line(
        DateTimeOffset hour, string id, decimal effective, string category, (string Id, string Status)? commitment = null, decimal? list = null, decimal? billed = null)
    {
        var row = FlatRows.Values(
            ("hour", hour), ("line_id", $"{id}-{hour:HH}"), ("bucket", CostBuckets.DirectInference),
            ("driver", commitment?.Status == "Unused" ? Drivers.UnusedCommitment : Drivers.PoolShare), ("pool", "pool-h100"), ("provider", "AWS"),
            ("currency", "USD"), ("effective_cost", effective), ("billed_cost", billed ?? 0m), ("charge_category", category),
            ("service_category", "Compute"), ("service_name", "Amazon EC2"));
        if (commitment is { } c)
        {
            row["commitment_id"] = c.Id;
            row["commitment_status"] = c.Status;
        }

        if (list is { } l)
        {
            row["list_cost"] = l;
        }

        return row;
    }
}
