using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using TrueCost.Ledger.Allocation;

namespace TrueCost.Ledger.InvoiceLines;

/// <summary>One classification rule: every pattern given must match (case-insensitive regex).</summary>
public sealed record ClassificationRule
{
    [JsonPropertyName("bucket")] public required string Bucket { get; init; }
    [JsonPropertyName("driver")] public string? Driver { get; init; }
    [JsonPropertyName("service_category")] public string? ServiceCategory { get; init; }
    [JsonPropertyName("service_name")] public string? ServiceName { get; init; }
    [JsonPropertyName("charge_description")] public string? ChargeDescription { get; init; }
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

    private readonly IReadOnlyList<ClassificationRule> _rules;

    public CostClassifier(IReadOnlyList<ClassificationRule> rules)
    {
        foreach (var rule in rules)
        {
            if (!CostBuckets.IsKnown(rule.Bucket) || (rule.Driver is not null && !Drivers.All.Contains(rule.Driver)))
            {
                throw new InvalidOperationException($"classification rule for bucket '{rule.Bucket}' (driver '{rule.Driver}') names an unknown bucket or driver");
            }
        }

        _rules = rules;
    }

    public static CostClassifier Default()
    {
        using var stream = typeof(CostClassifier).Assembly.GetManifestResourceStream("TrueCost.Ledger.InvoiceLines.default-cost-rules.json")
            ?? throw new InvalidOperationException("embedded default cost rules are missing");
        return new CostClassifier(JsonSerializer.Deserialize<List<ClassificationRule>>(stream) ?? []);
    }

    public Classification Classify(RecordedInvoiceLine line)
    {
        var tags = line.Tags;
        var pool = tags.GetValueOrDefault(PoolTag) ?? string.Empty;
        var routes = tags.GetValueOrDefault(RoutesTag) ?? string.Empty;
        var provider = line.ProviderName ?? string.Empty;
        var model = line.ModelId ?? string.Empty;
        if (tags.TryGetValue(BucketTag, out var tagged) && CostBuckets.IsKnown(tagged))
        {
            return new Classification(tagged, DriverFor(tags, tagged, pool), pool, provider, model, routes, $"tag {BucketTag}={tagged}");
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
        pattern is null || (value is not null && Regex.IsMatch(value, pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50)));
}
