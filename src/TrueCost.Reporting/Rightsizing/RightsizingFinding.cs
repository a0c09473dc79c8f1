using TrueCost.Reporting.Messages;

namespace TrueCost.Reporting.Rightsizing;

public enum RightsizingKind
{
    LowUtilization,
    BurstyTraffic,
    OffHoursIdle,
    GpuClassChange,
    KvCachePressure,
    RetryWaste,
}

/// <summary>
/// One thing to change about a GPU pool, the money at stake per month and the numbers behind it.
/// Amounts of different kinds on the same pool overlap (a smaller pool also idles less at night),
/// so they are not to be added up.
/// </summary>
public sealed record RightsizingFinding(
    RightsizingKind Kind,
    string Pool,
    string Summary,
    decimal MonthlyAmountAtStake,
    string Currency,
    IReadOnlyDictionary<string, string> Evidence)
{
    public static string KindName(RightsizingKind kind) => kind switch
    {
        RightsizingKind.LowUtilization => "rightsizing.low_utilization",
        RightsizingKind.BurstyTraffic => "rightsizing.bursty_traffic",
        RightsizingKind.OffHoursIdle => "rightsizing.off_hours_idle",
        RightsizingKind.GpuClassChange => "rightsizing.gpu_class_change",
        RightsizingKind.KvCachePressure => "rightsizing.kv_cache_pressure",
        _ => "rightsizing.retry_waste",
    };

    public FindingRaised ToMessage() => new(KindName(Kind), $"pool {Pool}", Summary, MonthlyAmountAtStake, Currency, Evidence);
}
