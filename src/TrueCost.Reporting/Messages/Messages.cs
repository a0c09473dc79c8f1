namespace TrueCost.Reporting.Messages;

/// <summary>
/// An hour's allocated total changed (one hour_changes row, relayed at least once: <see cref="ChangeId"/> is the
/// row's id). <see cref="PreviousTotal"/> is none for an hour allocated for the first time.
/// </summary>
public sealed record HourAllocated(long ChangeId, DateTimeOffset Hour, decimal? PreviousTotal, decimal Total, string Currency, string Reason, DateTimeOffset AllocatedAt);

/// <summary>
/// Ask for the weekly FinOps report of an ISO week (e.g. "2026-W47"). With <see cref="Restate"/> the report is a
/// re-issue that restates the week's latest published report, showing what changed since it.
/// </summary>
public sealed record WeeklyReportRequested(string IsoWeek, Guid RequestId, string RequestedBy, bool Restate = false);

/// <summary>
/// A weekly report was generated and stored; Files are paths of its HTML, Markdown and CSV renderings.
/// <see cref="Restates"/> is the report this one replaces, when it is a restatement.
/// </summary>
public sealed record WeeklyReportPublished(string IsoWeek, Guid ReportId, decimal Total, string Currency, IReadOnlyList<string> Files, DateTimeOffset GeneratedAt, Guid? Restates = null);

/// <summary>A breakeven or rightsizing finding with the money at stake per month and its evidence.</summary>
public sealed record FindingRaised(string Kind, string Subject, string Summary, decimal MonthlyAmountAtStake, string Currency, IReadOnlyDictionary<string, string> Evidence);

public sealed record IncidentResolved(string IncidentId, DateTimeOffset ResolvedAt);

/// <summary>An incident's cost for its postmortem, published on resolution and again when late data changes it.</summary>
public sealed record IncidentCostComputed(string IncidentId, decimal Total, string Currency, string Markdown, DateTimeOffset ComputedAt);

/// <summary>
/// A budget or anomaly alert to deliver (one governance_notifications row; <see cref="NotificationId"/> is its id, so
/// a redelivered message is recognised). <see cref="Kind"/> is budget or anomaly; <see cref="Transition"/> what
/// happened: crossed, forecast, back_under (a restatement moved the cost back under a threshold) or detected.
/// </summary>
public sealed record GovernanceAlertRaised(
    long NotificationId,
    string Kind,
    string AlertKey,
    string Transition,
    string? Tenant,
    string Title,
    string Text,
    IReadOnlyDictionary<string, string> Fields,
    DateTimeOffset RaisedAt);

/// <summary>
/// A hard budget's actual cost reached its amount (<see cref="Exceeded"/> true), or a restatement moved it back
/// under (false): for a gateway to start or stop refusing the scope's requests.
/// </summary>
public sealed record BudgetExceeded(
    string Budget,
    string? Tenant,
    string? Route,
    string? Model,
    string? TrafficClass,
    string? Provider,
    string Bucket,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    decimal Amount,
    decimal Actual,
    string Currency,
    bool Exceeded,
    DateTimeOffset At);
