using System.Text.Json.Serialization;

namespace TrueCost.Api.Costs;

/// <summary>
/// The five buckets, the idle part of direct inference, and their total, in the ledger's currency; and the
/// API usage that had no list price (it is counted here, never shown as a silent $0).
/// </summary>
public record CostAmounts(
    decimal DirectInference,
    decimal PlatformOverhead,
    decimal Observability,
    decimal Engineering,
    decimal Incident,
    decimal Idle,
    decimal Total,
    long UnpricedRequests,
    long UnpricedTokens)
{
    /// <summary>cost_hourly's money columns, in this record's order; also the export column names.</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["direct_inference", "platform_overhead", "observability", "engineering", "incident", "idle", "total"];

    /// <summary>cost_hourly's count columns, after the money columns in every export.</summary>
    public static readonly IReadOnlyList<string> CountColumns = ["unpriced_requests", "unpriced_tokens"];

    public IReadOnlyList<long> Counts() => [UnpricedRequests, UnpricedTokens];

    /// <summary>Reads <see cref="Columns"/> then <see cref="CountColumns"/> (summed, so numeric) from column <paramref name="first"/> on.</summary>
    internal static CostAmounts Read(Npgsql.NpgsqlDataReader r, int first) => new(
        r.GetDecimal(first),
        r.GetDecimal(first + 1),
        r.GetDecimal(first + 2),
        r.GetDecimal(first + 3),
        r.GetDecimal(first + 4),
        r.GetDecimal(first + 5),
        r.GetDecimal(first + 6),
        (long)r.GetDecimal(first + 7),
        (long)r.GetDecimal(first + 8));

    public IReadOnlyList<decimal> Values() => [DirectInference, PlatformOverhead, Observability, Engineering, Incident, Idle, Total];
}

/// <summary>One group of cost rows; only the dimensions grouped by are set (and serialized).</summary>
public sealed record CostRow : CostAmounts
{
    public CostRow(CostAmounts amounts)
        : base(amounts)
    {
    }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? Hour { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Route { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Tenant { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? TrafficClass { get; init; }

    /// <summary>A dimension's value as export text; hours as ISO-8601 UTC.</summary>
    public string Text(CostDimension dimension) => dimension switch
    {
        CostDimension.Hour => Hour?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? "",
        CostDimension.Route => Route ?? "",
        CostDimension.Tenant => Tenant ?? "",
        CostDimension.Model => Model ?? "",
        CostDimension.TrafficClass => TrafficClass ?? "",
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, null),
    };
}

public sealed record CostPage(
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<string> GroupBy,
    string Currency,
    int Page,
    int PageSize,
    long TotalRows,
    IReadOnlyList<CostRow> Rows,
    CostAmounts Totals);
