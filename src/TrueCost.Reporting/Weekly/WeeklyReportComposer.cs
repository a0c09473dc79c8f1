using TrueCost.Ledger.Allocation;

namespace TrueCost.Reporting.Weekly;

/// <summary>Turns loaded <see cref="WeeklyInputs"/> into a <see cref="WeeklyReport"/>. Pure: no I/O, no clock.</summary>
public static class WeeklyReportComposer
{
    public static WeeklyReport Compose(WeeklyInputs inputs, IReadOnlyList<ReportFinding> findings, DateTimeOffset generatedAt, int top = 10, int driversPerDimension = 5)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var totals = Week(inputs, current: true);
        var previous = Week(inputs, current: false);
        var days = Enumerable.Range(0, 7)
            .Select(i => DateOnly.FromDateTime(inputs.Week.Start.AddDays(i).UtcDateTime))
            .Select(day => new DayCost(day, Slices(inputs, true, CostDimensions.Day).FirstOrDefault(s => s.Key == Label(day))?.Amounts ?? BucketAmounts.Zero))
            .ToList();
        var poolHours = inputs.PoolHours.Select(h => new PoolHour(
            h.Hour, h.Pool, h.GpuClass, h.GpuSeconds, h.BusyShare, h.UtilMean, h.UtilPeak, h.Cost, IdleCost(h))).ToList();

        return new WeeklyReport(
            inputs.Week,
            inputs.Currency,
            generatedAt,
            totals,
            previous,
            days,
            Top(inputs, CostDimensions.Route, totals.Total, top),
            Top(inputs, CostDimensions.Tenant, totals.Total, top),
            Top(inputs, CostDimensions.Model, totals.Total, top),
            Change(inputs, totals, previous, driversPerDimension),
            UnitCosts(inputs),
            Pools(poolHours),
            poolHours,
            findings);
    }

    /// <summary>The key a day slice carries (the loader formats it the same way).</summary>
    public static string Label(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The share of a pool-hour's cost that paid for unused GPUs, by the allocator's rule: all of it when no
    /// self-hosted request used the pool, none when utilization is unknown, else cost × (1 − busy share).
    /// </summary>
    public static decimal IdleCost(PoolHourInput hour)
    {
        ArgumentNullException.ThrowIfNull(hour);
        return Math.Round(PoolIdle.Of(hour.Cost, hour.Served, hour.BusyShare), 2, MidpointRounding.ToEven);
    }

    private static IEnumerable<CostSlice> Slices(WeeklyInputs inputs, bool current, string dimension) =>
        inputs.Costs.Where(s => s.Current == current && s.Dimension == dimension);

    private static BucketAmounts Week(WeeklyInputs inputs, bool current) =>
        Slices(inputs, current, CostDimensions.Week).SingleOrDefault()?.Amounts ?? BucketAmounts.Zero;

    private static List<KeyCost> Top(WeeklyInputs inputs, string dimension, decimal weekTotal, int top)
    {
        var previous = Slices(inputs, false, dimension).ToDictionary(s => s.Key, s => s.Amounts.Total, StringComparer.Ordinal);
        return Slices(inputs, true, dimension)
            .OrderByDescending(s => s.Amounts.Total).ThenBy(s => s.Key, StringComparer.Ordinal)
            .Take(top)
            .Select(s => new KeyCost(
                s.Key,
                s.Amounts,
                previous.GetValueOrDefault(s.Key),
                weekTotal == 0 ? 0 : Math.Round(s.Amounts.Total / weekTotal, 4, MidpointRounding.AwayFromZero)))
            .ToList();
    }

    private static WeekOverWeek Change(WeeklyInputs inputs, BucketAmounts totals, BucketAmounts previous, int perDimension)
    {
        var delta = totals.Total - previous.Total;
        decimal? Share(decimal d) => delta == 0 ? null : Math.Round(d / delta, 4, MidpointRounding.AwayFromZero);

        var drivers = totals.Five.Zip(previous.Five)
            .Select(p => new ChangeDriver(CostDimensions.Bucket, p.First.Bucket, p.Second.Amount, p.First.Amount, Share(p.First.Amount - p.Second.Amount)))
            .OrderByDescending(d => Math.Abs(d.Delta))
            .ToList();
        foreach (var dimension in new[] { CostDimensions.Route, CostDimensions.Tenant, CostDimensions.Model })
        {
            var now = Slices(inputs, true, dimension).ToDictionary(s => s.Key, s => s.Amounts.Total, StringComparer.Ordinal);
            var before = Slices(inputs, false, dimension).ToDictionary(s => s.Key, s => s.Amounts.Total, StringComparer.Ordinal);
            drivers.AddRange(now.Keys.Union(before.Keys, StringComparer.Ordinal)
                .Select(key => new ChangeDriver(dimension, key, before.GetValueOrDefault(key), now.GetValueOrDefault(key), null))
                .Where(d => d.Delta != 0)
                .OrderByDescending(d => Math.Abs(d.Delta)).ThenBy(d => d.Key, StringComparer.Ordinal)
                .Take(perDimension)
                .Select(d => d with { ShareOfChange = Share(d.Delta) }));
        }

        return new WeekOverWeek(previous.Total, totals.Total, drivers);
    }

    private static List<UnitCost> UnitCosts(WeeklyInputs inputs)
    {
        var usage = inputs.Usage.ToDictionary(u => (u.Route, u.TrafficClass));
        var costs = Slices(inputs, true, CostDimensions.RouteClass).ToDictionary(s => (Route: s.Key, s.TrafficClass), s => s.Amounts);
        return costs.Keys.Union(usage.Keys)
            .Select(k =>
            {
                var u = usage.GetValueOrDefault(k);
                var c = costs.GetValueOrDefault(k) ?? BucketAmounts.Zero;
                return new UnitCost(k.Route, k.TrafficClass, u?.Requests ?? 0, u?.Tokens ?? 0, c.Total, c.DirectInference);
            })
            .OrderByDescending(u => u.Cost).ThenBy(u => u.Route, StringComparer.Ordinal).ThenBy(u => u.TrafficClass, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Each pool over the hours given: GPU hours, GPU-second-weighted mean utilization, peak, cost and idle cost, costliest first.</summary>
    public static List<PoolUtilization> Pools(IReadOnlyList<PoolHour> hours) =>
        hours.GroupBy(h => h.Pool, StringComparer.Ordinal)
            .Select(g =>
            {
                var sampled = g.Where(h => h.UtilMean is not null && h.GpuSeconds > 0).ToList();
                var seconds = sampled.Sum(h => h.GpuSeconds);
                return new PoolUtilization(
                    g.Key,
                    g.Select(h => h.GpuClass).FirstOrDefault(c => c.Length > 0) ?? string.Empty,
                    g.Sum(h => h.GpuSeconds) / 3600,
                    seconds > 0 ? sampled.Sum(h => h.UtilMean!.Value * h.GpuSeconds) / seconds : null,
                    sampled.Count > 0 ? sampled.Max(h => h.UtilPeak) : null,
                    g.Sum(h => h.Cost),
                    g.Sum(h => h.IdleCost));
            })
            .OrderByDescending(p => p.Cost).ThenBy(p => p.Pool, StringComparer.Ordinal)
            .ToList();
}
