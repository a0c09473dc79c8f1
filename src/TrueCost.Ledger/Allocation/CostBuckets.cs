namespace TrueCost.Ledger.Allocation;

/// <summary>The five cost buckets, plus the holding bucket for lines no rule classifies.</summary>
public static class CostBuckets
{
    public const string DirectInference = "direct_inference";
    public const string PlatformOverhead = "platform_overhead";
    public const string Observability = "observability";
    public const string Engineering = "engineering";
    public const string Incident = "incident";
    public const string Unclassified = "unclassified";

    public static readonly IReadOnlyList<string> Five = [DirectInference, PlatformOverhead, Observability, Engineering, Incident];

    public static bool IsKnown(string bucket) => Five.Contains(bucket) || bucket == Unclassified;
}

/// <summary>What a shared cost is split by, among the keys active in the hour.</summary>
public static class Drivers
{
    public const string Requests = "requests";
    public const string Bytes = "bytes";
    public const string Tokens = "tokens";
    public const string PoolShare = "pool_share";

    public static readonly IReadOnlyList<string> All = [Requests, Bytes, Tokens, PoolShare];

    /// <summary>Not a driver a rule can choose: a GPU instance line no pool rule maps, held on (unallocated) and reported.</summary>
    public const string UnmappedGpu = "unmapped_gpu";

    /// <summary>Not a driver a rule can choose: the unused part of a commitment (FOCUS CommitmentDiscountStatus "Unused"), held on its own row.</summary>
    public const string UnusedCommitment = "unused_commitment";
}
