using TrueCost.Ledger.Allocation;

namespace TrueCost.Reporting.Statements;

/// <summary>How the statement names buckets and lines for people.</summary>
public static class StatementText
{
    public static string Bucket(string bucket) => bucket switch
    {
        CostBuckets.DirectInference => "Direct inference",
        CostBuckets.PlatformOverhead => "Platform overhead",
        CostBuckets.Observability => "Observability",
        CostBuckets.Engineering => "Engineering ownership",
        CostBuckets.Incident => "Incidents",
        _ => bucket,
    };

    /// <summary>The bucket's name, and for the idle part of direct inference, that it is idle.</summary>
    public static string Bucket(string bucket, string methodId) =>
        methodId == AllocationMethods.PoolIdleShare.Id ? $"{Bucket(bucket)} (idle GPU capacity)" : Bucket(bucket);
}
