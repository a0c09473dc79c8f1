namespace TrueCost.Ledger.Incidents;

/// <summary>What an incident's people and failures cost; bound from configuration "Ledger:Incidents".</summary>
public sealed class IncidentCostOptions
{
    /// <summary>Loaded cost per responder hour (USD) for roles not listed in <see cref="RoleRates"/>.</summary>
    public decimal DefaultResponderRate { get; set; } = 150m;

    public Dictionary<string, decimal> RoleRates { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["incident_commander"] = 200m,
        ["sre"] = 160m,
        ["engineer"] = 140m,
        ["communications"] = 110m,
    };

    /// <summary>Business value lost per failed request (USD).</summary>
    public decimal FailedRequestValue { get; set; } = 0.02m;

    public decimal RateFor(string role) => RoleRates.TryGetValue(role, out var rate) ? rate : DefaultResponderRate;

    public decimal ResponderCost(IncidentTimeline t) => t.Responders.Sum(r => r.Hours * RateFor(r.Role));

    public decimal FailedRequestCost(IncidentTimeline t) => t.FailedRequests * FailedRequestValue;
}
