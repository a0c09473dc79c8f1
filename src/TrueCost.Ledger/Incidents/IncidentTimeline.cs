using TrueCost.Ledger.Time;

namespace TrueCost.Ledger.Incidents;

public sealed record ResponderTime(string Responder, string Role, decimal Hours, DateTimeOffset JoinedAt);

public sealed record IssuedCredit(decimal Amount, string Currency, string? Tenant, DateTimeOffset At);

/// <summary>
/// An incident as its lifecycle events describe it, whatever order they arrived in: the earliest
/// open wins, the latest resolution wins, responders and credits are each counted once (events are
/// deduplicated by record id at ingest and folded here in time order).
/// </summary>
public sealed record IncidentTimeline(
    string IncidentId,
    string Severity,
    string Title,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? MitigatedAt,
    DateTimeOffset? ResolvedAt,
    AffectedScope Affected,
    long FailedRequests,
    IReadOnlyList<ResponderTime> Responders,
    IReadOnlyList<IssuedCredit> Credits,
    string? PostmortemUrl,
    IReadOnlyList<IIncidentEvent> Events)
{
    /// <summary>Start of the cost window: when it opened, or its earliest record if the open has not arrived.</summary>
    public DateTimeOffset Start => OpenedAt ?? Events.Min(e => e.At);

    /// <summary>
    /// End of the cost window: resolution, else mitigation, else (still open) the incident's data watermark,
    /// its latest record. Never the wall clock: a rebuild gives the same window, and the window grows as the
    /// incident's records arrive.
    /// </summary>
    public DateTimeOffset End => ResolvedAt ?? MitigatedAt ?? Watermark;

    /// <summary>The time of the incident's latest record.</summary>
    public DateTimeOffset Watermark => Events.Max(e => e.At);

    /// <summary>
    /// Every hour any window of this incident can have covered, from its earliest to its latest record and
    /// window bound: a window that shrank (a correction moved the resolution earlier) still re-queues the
    /// hours it left.
    /// </summary>
    public IEnumerable<DateTimeOffset> HoursEverCovered()
    {
        var from = Events.Min(e => e.At) < Start ? Events.Min(e => e.At) : Start;
        var to = Watermark > End ? Watermark : End;
        return UtcHour.Covering(from, to > from ? to : from.AddTicks(1));
    }

    /// <summary>SLA credits summed per currency (never added across currencies).</summary>
    public IReadOnlyDictionary<string, decimal> CreditsByCurrency =>
        Credits.GroupBy(c => c.Currency, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(c => c.Amount), StringComparer.Ordinal);

    public bool IsResolved => ResolvedAt is not null;

    public static IncidentTimeline Fold(string incidentId, IEnumerable<IIncidentEvent> events)
    {
        var ordered = events.DistinctBy(e => e.RecordId).OrderBy(e => e.At).ThenBy(e => e.RecordId, StringComparer.Ordinal).ToList();
        var t = new IncidentTimeline(incidentId, "unknown", incidentId, null, null, null, AffectedScope.Everything, 0, [], [], null, ordered);
        foreach (var e in ordered)
        {
            t = e switch
            {
                IncidentOpened o => t with
                {
                    OpenedAt = t.OpenedAt is { } at && at <= o.At ? at : o.At,
                    Severity = o.Severity,
                    Title = o.Title,
                    Affected = o.Affected,
                },
                ResponderJoined r => t with { Responders = [.. t.Responders, new ResponderTime(r.Responder, r.Role, r.Hours, r.At)] },
                IncidentImpactUpdated i => t with { Affected = i.Affected ?? t.Affected, FailedRequests = i.FailedRequests ?? t.FailedRequests },
                IncidentMitigated m => t with { MitigatedAt = m.At },
                IncidentResolved r => t with { ResolvedAt = r.At, PostmortemUrl = r.PostmortemUrl ?? t.PostmortemUrl, FailedRequests = r.FailedRequests ?? t.FailedRequests },
                IncidentCreditIssued c => t with { Credits = [.. t.Credits, new IssuedCredit(c.Amount, c.Currency, c.Tenant, c.At)] },
                _ => t,
            };
        }

        return t;
    }
}
