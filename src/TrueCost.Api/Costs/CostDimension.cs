using TrueCost.Api.Querying;

namespace TrueCost.Api.Costs;

/// <summary>What cost can be grouped and filtered by. The only names that ever reach SQL as identifiers.</summary>
public enum CostDimension
{
    Hour,
    Route,
    Tenant,
    Model,
    TrafficClass,
}

internal static class CostDimensions
{
    public static readonly IReadOnlyList<CostDimension> Default = [CostDimension.Route];

    private static readonly Dictionary<string, CostDimension> ByName = Enum.GetValues<CostDimension>().ToDictionary(Name, StringComparer.Ordinal);

    /// <summary>The query-string name, the JSON/CSV/Parquet column name and the cost_hourly column are one and the same.</summary>
    public static string Name(this CostDimension dimension) => dimension switch
    {
        CostDimension.Hour => "hour",
        CostDimension.Route => "route",
        CostDimension.Tenant => "tenant",
        CostDimension.Model => "model",
        CostDimension.TrafficClass => "traffic_class",
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, null),
    };

    public static IReadOnlyList<CostDimension>? Parse(string? groupBy, ParameterErrors errors)
    {
        if (string.IsNullOrEmpty(groupBy))
        {
            return Default;
        }

        var dimensions = new List<CostDimension>();
        foreach (var name in groupBy.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!ByName.TryGetValue(name, out var dimension))
            {
                errors.Add("group_by", $"group_by '{groupBy}' names '{name}', which is not one of {string.Join(", ", ByName.Keys)}");
                return null;
            }

            if (dimensions.Contains(dimension))
            {
                errors.Add("group_by", $"group_by '{groupBy}' names '{name}' twice");
                return null;
            }

            dimensions.Add(dimension);
        }

        return dimensions;
    }
}
