using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Allocation;
using TrueCost.Reporting.Statements;

namespace TrueCost.UnitTests.Reporting;

/// <summary>
/// acme in January 2026: route chat on gpt-4o by API and route "search, \"v2\"" on llama by a self-hosted pool, over
/// two days; one day of chat also served by the pool; one hour's API usage unpriced.
/// </summary>
public class StatementTests
{
    private static readonly StatementMonth January = new(2026, 1);
    private static readonly DateOnly Day1 = new(2026, 1, 1);
    private static readonly DateOnly Day2 = new(2026, 1, 2);
    private const string Search = "search, \"v2\"";

    private static readonly DayCost[] Costs =
    [
        new(Day1, "chat", "gpt-4o", new BucketAmounts(12.34m, 1.10m, 0.45m, 2.00m, 0m, 0m), 0, 0),
        new(Day1, Search, "llama-3.1-70b", new BucketAmounts(30.00m, 0.90m, 0.30m, 5.00m, 1.25m, 7.50m), 0, 0),
        new(Day2, "chat", "gpt-4o", new BucketAmounts(8.01m, 0.99m, 0.25m, 1.00m, 0m, 0.40m), 3, 1_200),
        new(Day2, "chat", "mystery-model", new BucketAmounts(0m, 0m, 0m, 0m, 0m, 0m), 7, 5_000),
    ];

    private static readonly DayUsage[] Usage =
    [
        new(Day1, "chat", "gpt-4o", ServingModes.Api, "openai", "", 100, 50_000, 0, 0),
        new(Day1, Search, "llama-3.1-70b", ServingModes.SelfHosted, "vllm", "h100-pool", 40, 90_000, 0, 0),
        new(Day2, "chat", "gpt-4o", ServingModes.Api, "openai", "", 80, 40_000, 3, 1_200),
        new(Day2, "chat", "gpt-4o", ServingModes.SelfHosted, "vllm", "h100-pool", 20, 8_000, 0, 0),
        new(Day2, "chat", "mystery-model", ServingModes.Api, "acme-ai", "", 7, 5_000, 7, 5_000),
    ];

    private static readonly Dictionary<string, IReadOnlyList<string>> Drivers = new(StringComparer.Ordinal)
    {
        [CostBuckets.PlatformOverhead] = ["bytes", "requests"],
        [CostBuckets.Observability] = ["requests"],
        [CostBuckets.Engineering] = ["tokens"],
    };

    [Fact]
    public void Lines_sum_to_cost_hourly_bucket_by_bucket_and_direct_inference_splits_into_work_and_idle()
    {
        var statement = Build();

        Assert.Equal(Totals(), statement.Totals);
        Assert.Equal(63.59m, statement.Totals.Total);
        var pool = statement.Lines.Where(l => l.Route == Search && l.Bucket == CostBuckets.DirectInference).ToList();
        Assert.Equal([(AllocationMethods.PoolTokenShare.Id, 22.50m), (AllocationMethods.PoolIdleShare.Id, 7.50m)], pool.Select(l => (l.MethodId, l.Amount)));
        Assert.Equal(["h100-pool"], pool[1].Pools);
        Assert.Equal(AllocationMethods.ApiTokens.Id, statement.Lines.First(l => l.Day == Day1 && l.Route == "chat").MethodId);
        Assert.DoesNotContain(statement.Lines, l => l.Amount == 0 && l.UnpricedRequests == 0);
    }

    [Fact]
    public void A_route_and_model_served_by_api_and_by_a_pool_the_same_day_says_both()
    {
        var line = Build().Lines.Single(l => l.Day == Day2 && l.Model == "gpt-4o" && l.Bucket == CostBuckets.DirectInference && l.MethodId != AllocationMethods.PoolIdleShare.Id);

        Assert.Equal(AllocationMethods.ApiAndPool.Id, line.MethodId);
        Assert.Equal([ServingModes.Api, ServingModes.SelfHosted], line.ServingModes);
        Assert.Equal((100, 48_000), (line.Requests, line.Tokens));
    }

    [Fact]
    public void Shared_buckets_name_their_method_and_the_drivers_of_the_month()
    {
        var lines = Build().Lines.Where(l => l.Day == Day1 && l.Route == "chat").ToList();

        Assert.Equal(
            [(CostBuckets.PlatformOverhead, "overhead-driver"), (CostBuckets.Observability, "observability-driver"), (CostBuckets.Engineering, "engineering-driver")],
            lines.Skip(1).Select(l => (l.Bucket, l.MethodId)));
        Assert.Equal(["bytes", "requests"], lines[1].Drivers);
    }

    [Fact]
    public void Unpriced_usage_keeps_a_zero_cost_line_and_is_counted_in_the_statement()
    {
        var statement = Build();

        var mystery = Assert.Single(statement.Lines, l => l.Model == "mystery-model");
        Assert.Equal((0m, 7L, 5_000L), (mystery.Amount, mystery.UnpricedRequests, mystery.UnpricedTokens));
        Assert.Equal((10L, 6_200L), (statement.UnpricedRequests, statement.UnpricedTokens));
        Assert.Equal(["acme-ai/mystery-model", "openai/gpt-4o"], statement.UnpricedModels.Select(m => $"{m.Provider}/{m.Model}"));
    }

    [Fact]
    public void Lines_that_do_not_sum_to_cost_hourly_are_refused_with_the_bucket_and_both_amounts()
    {
        var inputs = Inputs() with { LedgerTotals = Totals() with { Observability = Totals().Observability + 0.01m } };

        var e = Assert.Throws<InvalidOperationException>(() => StatementBuilder.Build(inputs, DateTimeOffset.UnixEpoch));

        Assert.Contains("observability 1.00 (cost_hourly 1.01)", e.Message, StringComparison.Ordinal);
        Assert.Contains("tenant 'acme' for 2026-01", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_has_the_focus_columns_and_parses_back_to_the_same_lines_and_totals()
    {
        var statement = Build();

        var text = StatementCsv.Render(statement);

        Assert.StartsWith("BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,BilledCost,EffectiveCost,", text, StringComparison.Ordinal);
        using var csv = CsvReader.Create(Encoding.UTF8.GetBytes(text));
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read())
        {
            rows.Add(StatementCsv.Columns.ToDictionary(c => c, c => csv.GetString(c)));
        }

        Assert.Equal(statement.Lines.Count, rows.Count);
        Assert.Equal(statement.Totals.Total, rows.Sum(r => decimal.Parse(r["BilledCost"], CultureInfo.InvariantCulture)));
        foreach (var bucket in CostBuckets.Five)
        {
            Assert.Equal(statement.Lines.Where(l => l.Bucket == bucket).Sum(l => l.Amount), rows.Where(r => r["x_CostBucket"] == bucket).Sum(r => decimal.Parse(r["EffectiveCost"], CultureInfo.InvariantCulture)));
        }

        var idle = rows.Single(r => r["AllocatedMethodId"] == AllocationMethods.PoolIdleShare.Id && r["ChargePeriodStart"] == "2026-01-01T00:00:00Z");
        Assert.Equal((Search, "2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"), (idle["ServiceName"], idle["ChargePeriodEnd"], idle["BillingPeriodStart"], idle["BillingPeriodEnd"]));
        Assert.Equal(("USD", "acme", "7.50", ""), (idle["BillingCurrency"], idle["SubAccountId"], idle["BilledCost"], idle["ConsumedQuantity"]));
        using var details = JsonDocument.Parse(idle["AllocatedMethodDetails"]);
        Assert.Equal(["Requests", "Tokens"], details.RootElement.GetProperty("Elements").EnumerateArray().Select(e => e.GetProperty("UsageUnit").GetString()));
        Assert.Equal("h100-pool", details.RootElement.GetProperty("x_GpuPools")[0].GetString());
        using var tags = JsonDocument.Parse(idle["AllocatedTags"]);
        Assert.Equal(Search, tags.RootElement.GetProperty("truecost/route").GetString());
        Assert.Equal($"route:{Search}/model:llama-3.1-70b", idle["AllocatedResourceId"]);
    }

    [Fact]
    public void Html_escapes_the_tenant_shows_the_unpriced_usage_and_explains_every_method_it_uses()
    {
        var statement = Build() with { Tenant = "<acme & co>" };

        var html = StatementHtml.Render(statement);

        Assert.Contains("&lt;acme &amp; co&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<acme", html, StringComparison.Ordinal);
        Assert.Contains("data-unpriced-requests=\"10\" data-unpriced-tokens=\"6200\"", html, StringComparison.Ordinal);
        Assert.Contains("10 API requests (6,200 tokens)", html, StringComparison.Ordinal);
        Assert.All(statement.Methods, m => Assert.Contains($"<dt>{m.Id}</dt>", html, StringComparison.Ordinal));
        Assert.Contains(">63.59 USD<", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_says_so_when_nothing_was_unpriced()
    {
        var inputs = Inputs() with { Costs = [Costs[0]], Usage = [Usage[0]], LedgerTotals = Costs[0].Amounts };

        var html = StatementHtml.Render(StatementBuilder.Build(inputs, DateTimeOffset.UnixEpoch));

        Assert.Contains("Unpriced usage: none.", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-1")]
    [InlineData("2026-13")]
    [InlineData("2026-00")]
    [InlineData("26-01-01")]
    [InlineData("2026/01")]
    [InlineData("1999-12")]
    [InlineData("9999-12")]
    [InlineData("")]
    public void A_month_that_is_not_yyyy_mm_is_refused_with_the_value(string text)
    {
        var e = Assert.Throws<FormatException>(() => StatementMonth.Parse(text));

        Assert.Contains($"'{text}' is not YYYY-MM", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_month_is_its_utc_hours_from_the_first_to_the_first_of_the_next()
    {
        var december = StatementMonth.Parse("2025-12");

        Assert.Equal((new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)), (december.Start, december.End));
        Assert.Equal("2025-12", december.ToString());
    }

    [Fact]
    public void File_names_keep_only_safe_characters_of_the_tenant()
    {
        Assert.Equal("statement-acme-2026-01", StatementWriter.FileStem("acme", January));
        Assert.Equal("statement-_etc_passwd-2026-01", StatementWriter.FileStem("../etc/passwd", January));
    }

    private static Statement Build() => StatementBuilder.Build(Inputs(), new DateTimeOffset(2026, 2, 1, 6, 0, 0, TimeSpan.Zero));

    private static StatementInputs Inputs() => new("acme", January, "USD", Costs, Usage, Drivers, [], Totals());

    private static BucketAmounts Totals() => Costs.Aggregate(BucketAmounts.Zero, (sum, c) => sum.Plus(c.Amounts));
}
