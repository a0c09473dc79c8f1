namespace TrueCost.Ledger.Allocation;

/// <summary>
/// The one rule for how much of a GPU pool-hour's cost paid for unused capacity: all of it when no
/// self-hosted request used the pool, none when utilization is unknown (no samples: missing data is
/// not called idle), else cost × (1 − busy share). Exact; callers round where they present it.
/// </summary>
public static class PoolIdle
{
    public static decimal Of(decimal cost, bool served, double? busyShare) =>
        !served ? cost
        : busyShare is { } busy ? cost * (decimal)(1 - Math.Clamp(busy, 0, 1))
        : 0m;
}
