using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TrueCost.Api.Auth;
using TrueCost.Api.Querying;

namespace TrueCost.Api.Costs;

public sealed class CostParameters
{
    [FromQuery(Name = "group_by"), Description("Comma-separated dimensions among hour, route, tenant, model, traffic_class (default route)")]
    public string? GroupBy { get; init; }

    [FromQuery(Name = "route"), Description("Only this route")]
    public string? Route { get; init; }

    [FromQuery(Name = "tenant"), Description("Only this tenant; a tenant-scoped key always sees only its own tenant")]
    public string? Tenant { get; init; }

    [FromQuery(Name = "model"), Description("Only this model")]
    public string? Model { get; init; }

    [FromQuery(Name = "traffic_class"), Description("Only this traffic class")]
    public string? TrafficClass { get; init; }
}

/// <summary>A validated cost query, already narrowed to what the caller's key may see.</summary>
internal sealed record CostQuery(
    TimeRange Range,
    IReadOnlyList<CostDimension> GroupBy,
    string? Route,
    string? Tenant,
    string? Model,
    string? TrafficClass)
{
    public static bool TryCreate(
        RangeParameters range,
        CostParameters filter,
        Caller caller,
        ParameterErrors errors,
        [NotNullWhen(true)] out CostQuery? query,
        [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        var parsedRange = TimeRange.Parse(range, errors);
        var groupBy = CostDimensions.Parse(filter.GroupBy, errors);
        query = null;
        if (errors.Any || parsedRange is null || groupBy is null)
        {
            problem = errors.ToProblem();
            return false;
        }

        var tenant = string.IsNullOrEmpty(filter.Tenant) ? null : filter.Tenant;
        // A scoped key's tenant filter is set here, server-side, whatever the request says.
        if (caller.Tenant is not null && tenant is not null && tenant != caller.Tenant)
        {
            problem = TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                detail: $"API key '{caller.KeyName}' is scoped to tenant '{caller.Tenant}' and cannot read tenant '{tenant}'");
            return false;
        }

        query = new CostQuery(parsedRange, groupBy, filter.Route, caller.Tenant ?? tenant, filter.Model, filter.TrafficClass);
        problem = null;
        return true;
    }
}
