using Microsoft.Extensions.Configuration;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using TrueCost.Ledger.Allocation;

namespace TrueCost.Ledger.InvoiceLines;

/// <summary>One classification rule: every pattern given must match (case-insensitive regex).</summary>
public sealed record ClassificationRule
{
    [JsonPropertyName("bucket")] [ConfigurationKeyName("bucket")] public required string Bucket { get; init; }
    [JsonPropertyName("driver")] [ConfigurationKeyName("driver")] public string? Driver { get; init; }
    [JsonPropertyName("service_category")] [ConfigurationKeyName("service_category")] public string? ServiceCategory { get; init; }
    [JsonPropertyName("service_name")] [ConfigurationKeyName("service_name")] public string? ServiceName { get; init; }
    [JsonPropertyName("charge_description")] [ConfigurationKeyName("charge_description")] public string? ChargeDescription { get; init; }
}

/// <summary>
/// Maps cloud lines to a GPU pool: every condition given must match (tag key exactly, without case; the
/// others as case-insensitive regular expressions). Bound from configuration <c>Ledger:Pools</c>.
/// </summary>
public sealed record PoolRule
{
    [JsonPropertyName("pool")] [ConfigurationKeyName("pool")] public required string Pool { get; init; }

    /// <summary>A tag key the line must carry (any key: a Kubernetes node-group tag, a cost-allocation tag …).</summary>
    [JsonPropertyName("tag")] [ConfigurationKeyName("tag")] public string? Tag { get; init; }

    /// <summary>A pattern the value of <see cref="Tag"/> must match; any value when unset.</summary>
    [JsonPropertyName("tag_value")] [ConfigurationKeyName("tag_value")] public string? TagValue { get; init; }
    [JsonPropertyName("resource_id")] [ConfigurationKeyName("resource_id")] public string? ResourceId { get; init; }
    [JsonPropertyName("sku")] [ConfigurationKeyName("sku")] public string? Sku { get; init; }

    /// <summary>A pattern matched against the GPU instance type the line names (in its ChargeDescription, SkuId or ResourceId), e.g. <c>^p5\.48xlarge$</c>.</summary>
    [JsonPropertyName("instance_type")] [ConfigurationKeyName("instance_type")] public string? InstanceType { get; init; }

    public void Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(Pool))
        {
            throw new InvalidOperationException($"{path}:Pool is empty");
        }

        if (Tag is null && TagValue is null && ResourceId is null && Sku is null && InstanceType is null)
        {
            throw new InvalidOperationException($"{path} (pool '{Pool}') has no condition: set Tag, TagValue, ResourceId, Sku or InstanceType");
        }

        if (TagValue is not null && Tag is null)
        {
            throw new InvalidOperationException($"{path} (pool '{Pool}') sets TagValue without Tag");
        }

        foreach (var (name, pattern) in new[] { ("TagValue", TagValue), ("ResourceId", ResourceId), ("Sku", Sku), ("InstanceType", InstanceType) })
        {
            if (pattern is not null)
            {
                try
                {
                    _ = new Regex(pattern, RegexOptions.None, CostClassifier.MatchTimeout);
                }
                catch (ArgumentException e)
                {
                    throw new InvalidOperationException($"{path}:{name} '{pattern}' is not a valid regular expression: {e.Message}", e);
                }
            }
        }
    }
}

/// <summary>Where a line's cost goes: its bucket, the driver that splits it, and what it is attached to.</summary>
public sealed record Classification(string Bucket, string Driver, string Pool, string Provider, string Model, string Routes, string Rule);

/// <summary>
/// Classifies invoice lines into cost buckets: an explicit tag first (<c>truecost-bucket</c>), then the
/// first matching rule on ServiceCategory / ServiceName / ChargeDescription. A line nothing matches is
/// kept as <see cref="CostBuckets.Unclassified"/> and reported, never dropped.
/// </summary>
public sealed class CostClassifier
{
    public const string BucketTag = "truecost-bucket";
    public const string DriverTag = "truecost-driver";
    public const string PoolTag = "truecost-pool";
    public const string RoutesTag = "truecost-routes";

    /// <summary>
    /// Bounds a configured pattern's backtracking. The clock is the wall's: on a busy machine a thread paused
    /// for tens of milliseconds mid-match timed out, failed the projection batch and stopped its shard.
    /// </summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    /// <summary>GPU instance families of the major clouds (AWS p/g/trn/inf, GCP a2/a3/g2, Azure N-series).</summary>
    private static readonly Regex GpuInstance = new(
        @"\b(?:(?:p4de?|p5e?n?|p6(?:-b200)?|g4dn|g5g?|g6e?|gr6|trn[12]n?|inf[12])\.\d*x?large|a[23]-(?:high|mega|ultra|edge)gpu-\w+|a4-highgpu-\w+|g2-standard-\d+|Standard_N[CDVG]\w*)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
        MatchTimeout);

    private readonly IReadOnlyList<ClassificationRule> _rules;
    private readonly IReadOnlyList<PoolRule> _pools;

    public CostClassifier(IReadOnlyList<ClassificationRule> rules, IReadOnlyList<PoolRule>? pools = null)
    {
        _pools = pools ?? [];
        foreach (var rule in rules)
        {
            if (!CostBuckets.IsKnown(rule.Bucket) || (rule.Driver is not null && !Drivers.All.Contains(rule.Driver)))
            {
                throw new InvalidOperationException($"classification rule for bucket '{rule.Bucket}' (driver '{rule.Driver}') names an unknown bucket or driver");
            }
        }

        _rules = rules;
    }

    public static IReadOnlyList<ClassificationRule> DefaultRules()
    {
        using var stream = typeof(CostClassifier).Assembly.GetManifestResourceStream("TrueCost.Ledger.InvoiceLines.default-cost-rules.json")
            ?? throw new InvalidOperationException("embedded default cost rules are missing");
        return JsonSerializer.Deserialize<List<ClassificationRule>>(stream) ?? [];
    }

    /// <summary>The configured rules first, then the shipped ones; the configured pool rules.</summary>
    public static CostClassifier Default(IEnumerable<ClassificationRule>? configured = null, IReadOnlyList<PoolRule>? pools = null) =>
        new([.. (configured ?? []).Concat(DefaultRules())], pools);

    /// <summary>The instance type a cloud line names, when it is a GPU instance.</summary>
    public static string? GpuInstanceType(RecordedInvoiceLine line)
    {
        foreach (var text in new[] { line.ChargeDescription, line.SkuId, line.ResourceId })
        {
            if (text is not null && GpuInstance.Match(text) is { Success: true } m)
            {
                return m.Value;
            }
        }

        return null;
    }

    public Classification Classify(RecordedInvoiceLine line)
    {
        var tags = line.Tags;
        var pool = tags.GetValueOrDefault(PoolTag) ?? PoolOf(line) ?? string.Empty;
        var routes = tags.GetValueOrDefault(RoutesTag) ?? string.Empty;
        var provider = line.ProviderName ?? string.Empty;
        var model = line.ModelId ?? string.Empty;
        if (string.Equals(line.CommitmentDiscountStatus, "Unused", StringComparison.Ordinal))
        {
            return new Classification(CostBuckets.DirectInference, Drivers.UnusedCommitment, pool, provider, model, routes,
                $"unused commitment {line.CommitmentDiscountId ?? string.Empty}".TrimEnd());
        }

        if (tags.TryGetValue(BucketTag, out var tagged) && CostBuckets.IsKnown(tagged))
        {
            return new Classification(tagged, DriverFor(tags, tagged, pool), pool, provider, model, routes, $"tag {BucketTag}={tagged}");
        }

        if (pool.Length == 0 && GpuInstanceType(line) is { } gpu)
        {
            return new Classification(CostBuckets.DirectInference, Drivers.UnmappedGpu, pool, provider, model, routes, $"GPU instance {gpu} matches no pool rule");
        }

        if (pool.Length > 0 && GpuInstanceType(line) is not null && !tags.ContainsKey(DriverTag))
        {
            return new Classification(CostBuckets.DirectInference, Drivers.PoolShare, pool, provider, model, routes, $"GPU instance of pool {pool}");
        }

        for (var i = 0; i < _rules.Count; i++)
        {
            var rule = _rules[i];
            if (Matches(rule.ServiceCategory, line.ServiceCategory) && Matches(rule.ServiceName, line.ServiceName) && Matches(rule.ChargeDescription, line.ChargeDescription))
            {
                var driver = tags.GetValueOrDefault(DriverTag) ?? rule.Driver ?? DefaultDriver(rule.Bucket, pool);
                return new Classification(rule.Bucket, driver, pool, provider, model, routes, $"rule {i + 1}");
            }
        }

        return new Classification(CostBuckets.Unclassified, Drivers.Requests, pool, provider, model, routes, "no rule matched");
    }

    private string? PoolOf(RecordedInvoiceLine line)
    {
        foreach (var rule in _pools)
        {
            var tagOk = rule.Tag is null || line.Tags.Any(t => string.Equals(t.Key, rule.Tag, StringComparison.OrdinalIgnoreCase) && Matches(rule.TagValue, t.Value));
            var instance = rule.InstanceType is null || (GpuInstanceType(line) is { } type && Matches(rule.InstanceType, type));
            if (tagOk && instance && Matches(rule.ResourceId, line.ResourceId) && Matches(rule.Sku, line.SkuId))
            {
                return rule.Pool;
            }
        }

        return null;
    }

    private static string DriverFor(IReadOnlyDictionary<string, string> tags, string bucket, string pool) =>
        tags.GetValueOrDefault(DriverTag) is { } d && Drivers.All.Contains(d) ? d : DefaultDriver(bucket, pool);

    private static string DefaultDriver(string bucket, string pool) => bucket switch
    {
        CostBuckets.DirectInference when pool.Length > 0 => Drivers.PoolShare,
        CostBuckets.DirectInference => Drivers.Tokens,
        CostBuckets.Engineering => Drivers.Tokens,
        _ => Drivers.Requests,
    };

    private static bool Matches(string? pattern, string? value) =>
        pattern is null || (value is not null && Regex.IsMatch(value, pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeout));
}
