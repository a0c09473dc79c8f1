using System.Text.Json;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Pricing;
using TrueCost.Reporting.Breakeven;
using TrueCost.Synthetic;

namespace TrueCost.UnitTests.Synthetic;

/// <summary>The demo's default day must show every breakeven verdict, so the report has each kind to explain.</summary>
public class SyntheticBreakevenTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<List<RequestLogRecord>> DemoDay = new(() =>
        [.. new RequestLogGenerator(Day, 100_000).Generate().Where(r => r.Valid).Select(r => JsonSerializer.Deserialize<RequestLogRecord>(r.Value)!)]);

    [Fact]
    public void The_demo_day_yields_a_self_host_a_hybrid_and_a_stay_on_api_verdict()
    {
        var usage = DemoDay.Value
            .GroupBy(r => (Hour: new DateTimeOffset(r.Timestamp.Year, r.Timestamp.Month, r.Timestamp.Day, r.Timestamp.Hour, 0, 0, TimeSpan.Zero), r.Route, r.Provider, r.Model, r.ServingMode, Pool: r.GpuPool ?? string.Empty))
            .Select(g => new RouteUsageHour(g.Key.Hour, g.Key.Route, g.Key.Provider, g.Key.Model, g.Key.ServingMode, g.Key.Pool, g.Sum(r => r.InputTokens), g.Sum(r => r.OutputTokens), 0));
        var pools = GpuSampleGenerator.Pools.ToDictionary(p => p.Pool, p => p.GpuClass);

        var verdicts = RouteBreakeven.Evaluate(usage, Day, 24, pools, GpuCatalogue.Default(), PriceCatalogue.Default(), new BreakevenOptions(), "USD")
            .ToDictionary(b => b.Route, b => b.Result);

        AssertVerdict(BreakevenVerdict.SelfHost, verdicts["/docs/extract"]);
        AssertVerdict(BreakevenVerdict.Hybrid, verdicts["/catalog/enrich"]);
        AssertVerdict(BreakevenVerdict.StayOnApi, verdicts["/chat/support"]);
        AssertVerdict(BreakevenVerdict.StayOnApi, verdicts["/eval/nightly"]);
    }

    private static void AssertVerdict(BreakevenVerdict expected, BreakevenResult actual) =>
        Assert.True(actual.Verdict == expected, $"expected {expected}, got {actual.Summary}; hybrid {actual.Hybrid?.TotalCostOfOwnership}, self-host {actual.SelfHost.TotalCostOfOwnership}, API {actual.Api.TotalCostOfOwnership}");

    [Fact]
    public void Requests_overall_still_peak_five_to_ten_times_the_hourly_average()
    {
        var perHour = DemoDay.Value.Where(r => r.Attempt == 1).GroupBy(r => r.Timestamp.Hour).Select(g => (double)g.Count()).ToList();

        Assert.InRange(perHour.Max() / perHour.Average(), 5.0, 10.0);
    }
}
