namespace TrueCost.Reporting.Weekly;

/// <summary>What the report is computed from: cost sums per dimension for the week and the one before, token usage and pool-hours.</summary>
public sealed record WeeklyInputs(
    IsoWeek Week,
    string Currency,
    IReadOnlyList<CostSlice> Costs,
    IReadOnlyList<RouteClassUsage> Usage,
    IReadOnlyList<PoolHourInput> PoolHours);

/// <summary>
/// cost_hourly summed over one key of one dimension, in the report's week (<paramref name="Current"/>) or the
/// previous one. <paramref name="TrafficClass"/> is set only for <see cref="CostDimensions.RouteClass"/>.
/// </summary>
public sealed record CostSlice(bool Current, string Dimension, string Key, string TrafficClass, BucketAmounts Amounts);

public static class CostDimensions
{
    public const string Week = "week";
    public const string Day = "day";
    public const string Route = "route";
    public const string Tenant = "tenant";
    public const string Model = "model";
    public const string RouteClass = "route_class";
    public const string Bucket = "bucket";
}

public sealed record RouteClassUsage(string Route, string TrafficClass, long Requests, long Tokens);

/// <summary>
/// One pool-hour: GPU samples (absent when no GPU reported) and the direct-inference cost lines attached to the
/// pool; <paramref name="Served"/> tells whether any self-hosted request used the pool in that hour.
/// </summary>
public sealed record PoolHourInput(
    DateTimeOffset Hour,
    string Pool,
    string GpuClass,
    double GpuSeconds,
    double? BusyShare,
    double? UtilMean,
    double? UtilPeak,
    decimal Cost,
    bool Served);
