using System.Globalization;

namespace TrueCost.Reporting.Weekly;

public enum ColumnKind
{
    Text,
    /// <summary>Money in the report's currency.</summary>
    Money,
    MoneyChange,
    /// <summary>Money whose currency is in a column of its own.</summary>
    Amount,
    Count,
    Hours,
    Percent,
    Share,
}

public sealed record ReportColumn(string Name, ColumnKind Kind);

/// <summary>
/// One table of the report with raw cell values (decimal, long, double, string or null). The HTML and Markdown
/// renderers format the cells for people, the CSV renderer writes them as they are; <see cref="Detail"/> tables
/// are long and go to CSV only.
/// </summary>
public sealed record ReportTable(string Id, string Title, IReadOnlyList<ReportColumn> Columns, IReadOnlyList<object?[]> Rows, bool Detail = false)
{
    public bool HasMoney => Columns.Any(c => c.Kind is ColumnKind.Money or ColumnKind.MoneyChange);
}

/// <summary>The report's content as tables, in reading order; every renderer works from these.</summary>
public static class ReportTables
{
    public const string Buckets = "buckets";
    public const string Drivers = "change-drivers";
    public const string Daily = "daily";
    public const string UnitCost = "unit-cost";
    public const string GpuPools = "gpu-pools";
    public const string GpuPoolHours = "gpu-pool-hours";
    public const string Findings = "findings";
    public const string RestatedDays = "restated-days";
    public const string RestatedHours = "restated-hours";
    public const string Budgets = "budgets";
    public const string Anomalies = "anomalies";
    public const string Forecast = "forecast";

    /// <summary>Up to this many changed hours are listed in HTML and Markdown; more (a re-allocated month) go to CSV only.</summary>
    public const int RestatedHoursInline = 24;

    public static IReadOnlyList<ReportTable> Build(WeeklyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var restated = report.Restatement is null ? [] : RestatedTables(report.Restatement);
        return
        [
            .. restated,
            BucketTable(report),
            DriverTable(report),
            DailyTable(report),
            TopTable("top-routes", "Top routes", "route", report.TopRoutes),
            TopTable("top-tenants", "Top tenants", "tenant", report.TopTenants),
            TopTable("top-models", "Top models", "model", report.TopModels),
            UnitCostTable(report),
            PoolTable(report),
            PoolHourTable(report),
            FindingTable(report),
            .. report.Governance is { } governance ? GovernanceTables(governance) : [],
        ];
    }

    private static ReportTable[] GovernanceTables(WeeklyGovernance g) =>
    [
        new(
            Budgets,
            $"Budgets (current periods as of {g.AsOf:yyyy-MM-dd HH:mm}Z)",
            [Text("budget"), Text("scope"), Text("period"), Money("amount"), Money("actual"), new("used %", ColumnKind.Percent), Money("forecast"),
             Text("thresholds crossed"), new("unpriced requests in scope", ColumnKind.Count)],
            [.. g.Budgets.Select(b => Row(
                b.Budget.Name, b.Budget.Scope.ToString(), b.PeriodDays, b.Budget.Amount, b.Actual,
                (double)b.PercentUsed, b.ForecastExpected,
                b.ScopeMatched ? string.Join(", ", b.Thresholds().Where(t => t.Crossed).Select(t => t.Key)) : "scope matches no cost", b.UnpricedRequests))]),
        new(
            Anomalies,
            "Cost anomalies that started this week",
            [Text("series"), Text("per"), Text("from"), Text("to"), Money("actual"), Money("expected"), Change("impact")],
            [.. g.Anomalies.Select(a => Row(
                a.Key.ToString(), a.Granularity == Ledger.Governance.AnomalyGranularity.Hour ? "hour" : "day",
                a.Start.UtcDateTime.ToString("yyyy-MM-ddTHH:mmZ", CultureInfo.InvariantCulture),
                a.Open ? "lasting" : a.End.UtcDateTime.ToString("yyyy-MM-ddTHH:mmZ", CultureInfo.InvariantCulture),
                Math.Round(a.Actual, 2), Math.Round(a.Expected, 2), Math.Round(a.Impact, 2)))]),
        new(
            Forecast,
            g.Forecasts.Count > 0 ? $"Month-end forecast {g.Forecasts[0].MonthEnd.Month:yyyy-MM} (as of {g.Forecasts[0].MonthEnd.AsOf:yyyy-MM-dd}, 80 % band)" : "Month-end forecast",
            [Text("series"), Money("to date"), Money("month end"), Money("low"), Money("high")],
            [.. g.Forecasts.Where(f => f.Key.Dimension is "bucket" or "tenant")
                .OrderBy(f => f.Key.Dimension == "bucket" && f.Key.Bucket == "total" ? 0 : f.Key.Dimension == "bucket" ? 1 : 2).ThenByDescending(f => f.MonthEnd.Expected)
                .Select(f => Row(f.Key.ToString(), f.MonthEnd.ActualToDate, f.MonthEnd.Expected, f.MonthEnd.Low, f.MonthEnd.High))]),
    ];

    private static ReportTable[] RestatedTables(Restatements.ReportRestatement restatement) =>
    [
        new(
            RestatedDays,
            "Restated: days that changed since the earlier report",
            [Text("day"), new("hours changed", ColumnKind.Count), Money("before"), Money("after"), Change("change")],
            [.. restatement.Days.Select(d => Row(d.Day.ToString("yyyy-MM-dd ddd", CultureInfo.InvariantCulture), (long)d.Hours, d.Before, d.After, d.Delta))]),
        new(
            RestatedHours,
            "Restated: hours that changed since the earlier report",
            [Text("hour"), Money("before"), Money("after"), Change("change"), Text("reason")],
            [.. restatement.Hours.Select(h => Row(
                h.Hour.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), h.Before, h.After, h.Delta, string.Join("; ", h.Reasons)))],
            Detail: restatement.Hours.Count > RestatedHoursInline),
    ];

    private static ReportTable BucketTable(WeeklyReport report)
    {
        var rows = report.Totals.Five.Zip(report.Previous.Five)
            .Select(p => Row(p.First.Bucket, p.First.Amount, p.Second.Amount, p.First.Amount - p.Second.Amount))
            .Append(Row("idle (part of direct_inference)", report.Totals.Idle, report.Previous.Idle, report.Totals.Idle - report.Previous.Idle))
            .Append(Row("total", report.Totals.Total, report.Previous.Total, report.Change.Delta))
            .ToList();
        return new ReportTable(Buckets, "Totals per bucket", [Text("bucket"), Money("this week"), Money("previous week"), Change("change")], rows);
    }

    private static ReportTable DriverTable(WeeklyReport report) => new(
        Drivers,
        "What moved the total",
        [Text("dimension"), Text("key"), Money("previous week"), Money("this week"), Change("change"), Share("share of change")],
        [.. report.Change.Drivers.Select(d => Row(d.Dimension, d.Key, d.Previous, d.Current, d.Delta, d.ShareOfChange))]);

    private static ReportTable DailyTable(WeeklyReport report) => new(
        Daily,
        "Cost per day (UTC)",
        [Text("day"), Money("direct_inference"), Money("platform_overhead"), Money("observability"), Money("engineering"), Money("incident"), Money("idle"), Money("total")],
        [.. report.Days.Select(d => Row(
            d.Day.ToString("yyyy-MM-dd ddd", CultureInfo.InvariantCulture),
            d.Amounts.DirectInference, d.Amounts.PlatformOverhead, d.Amounts.Observability, d.Amounts.Engineering, d.Amounts.Incident, d.Amounts.Idle, d.Amounts.Total))]);

    private static ReportTable TopTable(string id, string title, string dimension, IReadOnlyList<KeyCost> keys) => new(
        id,
        title,
        [Text(dimension), Money("total"), Share("share of week"), Money("previous week"), Change("change"),
         Money("direct_inference"), Money("platform_overhead"), Money("observability"), Money("engineering"), Money("incident"), Money("idle")],
        [.. keys.Select(k => Row(
            k.Key, k.Amounts.Total, k.ShareOfWeek, k.PreviousTotal, k.Delta,
            k.Amounts.DirectInference, k.Amounts.PlatformOverhead, k.Amounts.Observability, k.Amounts.Engineering, k.Amounts.Incident, k.Amounts.Idle))]);

    private static ReportTable UnitCostTable(WeeklyReport report) => new(
        UnitCost,
        "Cost per 1M tokens by route and traffic class",
        [Text("route"), Text("traffic class"), new("requests", ColumnKind.Count), new("tokens", ColumnKind.Count),
         Money("cost"), Money("cost per 1M tokens"), Money("direct cost per 1M tokens")],
        [.. report.UnitCosts.Select(u => Row(u.Route, u.TrafficClass, u.Requests, u.Tokens, u.Cost, u.CostPerMillionTokens, u.DirectPerMillionTokens))]);

    private static ReportTable PoolTable(WeeklyReport report) => new(
        GpuPools,
        "GPU pools: utilization and idle cost",
        [Text("pool"), Text("GPU class"), new("GPU-hours", ColumnKind.Hours), new("mean utilization %", ColumnKind.Percent),
         new("peak utilization %", ColumnKind.Percent), Money("pool cost"), Money("idle cost"), Share("idle share")],
        [.. report.Pools.Select(p => Row(p.Pool, p.GpuClass, p.GpuHours, p.UtilMean, p.UtilPeak, p.Cost, p.IdleCost, p.Cost == 0 ? null : Math.Round(p.IdleCost / p.Cost, 4)))]);

    private static ReportTable PoolHourTable(WeeklyReport report) => new(
        GpuPoolHours,
        "GPU pool-hours",
        [Text("hour"), Text("pool"), Text("GPU class"), new("GPU-hours", ColumnKind.Hours), Share("busy share"),
         new("mean utilization %", ColumnKind.Percent), new("peak utilization %", ColumnKind.Percent), Money("pool cost"), Money("idle cost")],
        [.. report.PoolHours.Select(h => Row(
            h.Hour.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), h.Pool, h.GpuClass, h.GpuSeconds / 3600,
            h.BusyShare, h.UtilMean, h.UtilPeak, h.Cost, h.IdleCost))],
        Detail: true);

    private static ReportTable FindingTable(WeeklyReport report) => new(
        Findings,
        "Open findings",
        [Text("kind"), Text("subject"), Text("summary"), new("at stake per month", ColumnKind.Amount), Text("currency"), Text("evidence")],
        [.. report.Findings
            .OrderByDescending(f => f.MonthlyAmountAtStake)
            .Select(f => Row(f.Kind, f.Subject, f.Summary, f.MonthlyAmountAtStake, f.Currency, string.Join("; ", f.Evidence.Select(e => $"{e.Key}={e.Value}"))))]);

    private static object?[] Row(params object?[] cells) => cells;

    private static ReportColumn Text(string name) => new(name, ColumnKind.Text);

    private static ReportColumn Money(string name) => new(name, ColumnKind.Money);

    private static ReportColumn Change(string name) => new(name, ColumnKind.MoneyChange);

    private static ReportColumn Share(string name) => new(name, ColumnKind.Share);
}
