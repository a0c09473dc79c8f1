using TrueCost.Reporting.Weekly;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>A report composed from hand-made inputs (no database): seven days of costs, three routes, two GPU pools.</summary>
public static class SampleReport
{
    public static WeeklyReport Create()
    {
        var week = LedgerSeed.Week;
        var costs = new List<CostSlice>
        {
            new(true, CostDimensions.Week, string.Empty, string.Empty, new BucketAmounts(7_000m, 1_400m, 350m, 2_100m, 120m, 900m)),
            new(false, CostDimensions.Week, string.Empty, string.Empty, new BucketAmounts(6_200m, 1_500m, 340m, 2_100m, 0m, 1_100m)),
        };
        for (var d = 0; d < 7; d++)
        {
            var day = DateOnly.FromDateTime(week.Start.AddDays(d).UtcDateTime);
            costs.Add(new(true, CostDimensions.Day, WeeklyReportComposer.Label(day), string.Empty,
                new BucketAmounts(800m + (60m * d), 200m, 50m, 300m, d == 3 ? 120m : 0m, 120m)));
        }

        foreach (var (route, amount, before) in new[] { ("chat", 5_000m, 4_000m), ("search", 3_000m, 3_200m), ("summarize", 2_970m, 2_940m) })
        {
            costs.Add(new(true, CostDimensions.Route, route, string.Empty, new BucketAmounts(amount * 0.6m, amount * 0.1m, amount * 0.05m, amount * 0.25m, 0m, amount * 0.05m)));
            costs.Add(new(false, CostDimensions.Route, route, string.Empty, new BucketAmounts(before, 0m, 0m, 0m, 0m, 0m)));
            costs.Add(new(true, CostDimensions.RouteClass, route, "interactive", new BucketAmounts(amount * 0.6m, amount * 0.4m, 0m, 0m, 0m, 0m)));
        }

        var pools = new List<PoolHourInput>();
        for (var h = 0; h < 168; h++)
        {
            var hour = week.Start.AddHours(h);
            var busy = LedgerSeed.SharedPoolBusyShare(hour);
            pools.Add(new PoolHourInput(hour, "pool-a100", "A100", 7200, busy, busy * 100, Math.Min(100, (busy * 100) + 10), 4m, Served: true));
            pools.Add(new PoolHourInput(hour, "pool-h100", "H100", 3600, 0.02, 2, 5, 6.5m, Served: h % 24 is > 8 and < 18));
        }

        var inputs = new WeeklyInputs(week, "USD", costs, [new RouteClassUsage("chat", "interactive", 120_000, 2_400_000_000)], pools);
        var finding = new ReportFinding("rightsizing.low_utilization", "pool-h100", "Mean utilization 2% over the week: one replica fewer", 4_745m, "USD",
            new Dictionary<string, string> { ["util_mean"] = "2.0", ["gpus"] = "1" });
        return WeeklyReportComposer.Compose(inputs, [finding], week.End.AddMinutes(5));
    }
}
