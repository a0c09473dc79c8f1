namespace TrueCost.Ledger.Incidents;

/// <summary>Routes, tenants, models and pools an incident affects; an empty list means "any".</summary>
public sealed record AffectedScope(IReadOnlyList<string> Routes, IReadOnlyList<string> Tenants, IReadOnlyList<string> Models, IReadOnlyList<string> Pools)
{
    public static readonly AffectedScope Everything = new([], [], [], []);

    public bool Covers(string route, string tenant, string model, string pool) =>
        Matches(Routes, route) && Matches(Tenants, tenant) && Matches(Models, model) && Matches(Pools, pool);

    private static bool Matches(IReadOnlyList<string> list, string value) => list.Count == 0 || list.Contains(value);
}

/// <summary>Common shape of every lifecycle event: one per incident record, in the incident's own stream.</summary>
public interface IIncidentEvent
{
    string IncidentId { get; }

    string RecordId { get; }

    DateTimeOffset At { get; }
}

public sealed record IncidentOpened(string IncidentId, string RecordId, DateTimeOffset At, string Severity, string Title, AffectedScope Affected) : IIncidentEvent;

public sealed record ResponderJoined(string IncidentId, string RecordId, DateTimeOffset At, string Responder, string Role, decimal Hours) : IIncidentEvent;

public sealed record IncidentImpactUpdated(string IncidentId, string RecordId, DateTimeOffset At, AffectedScope? Affected, long? FailedRequests) : IIncidentEvent;

public sealed record IncidentMitigated(string IncidentId, string RecordId, DateTimeOffset At) : IIncidentEvent;

public sealed record IncidentResolved(string IncidentId, string RecordId, DateTimeOffset At, string? PostmortemUrl, long? FailedRequests) : IIncidentEvent;

public sealed record IncidentCreditIssued(string IncidentId, string RecordId, DateTimeOffset At, decimal Amount, string Currency, string? Tenant) : IIncidentEvent;
