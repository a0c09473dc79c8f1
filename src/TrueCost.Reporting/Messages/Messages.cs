namespace TrueCost.Reporting.Messages;

/// <summary>An hour's cost rows were (re-)allocated.</summary>
public sealed record HourAllocated(DateTimeOffset Hour, decimal Total, string Currency, DateTimeOffset AllocatedAt);

/// <summary>Ask for the weekly FinOps report of an ISO week (e.g. "2026-W47").</summary>
public sealed record WeeklyReportRequested(string IsoWeek, Guid RequestId, string RequestedBy);

/// <summary>A weekly report was generated and stored; Files are paths of its HTML, Markdown and CSV renderings.</summary>
public sealed record WeeklyReportPublished(string IsoWeek, Guid ReportId, decimal Total, string Currency, IReadOnlyList<string> Files, DateTimeOffset GeneratedAt);

/// <summary>A breakeven or rightsizing finding with the money at stake per month and its evidence.</summary>
public sealed record FindingRaised(string Kind, string Subject, string Summary, decimal MonthlyAmountAtStake, string Currency, IReadOnlyDictionary<string, string> Evidence);

public sealed record IncidentResolved(string IncidentId, DateTimeOffset ResolvedAt);

/// <summary>An incident's cost for its postmortem, published on resolution and again when late data changes it.</summary>
public sealed record IncidentCostComputed(string IncidentId, decimal Total, string Currency, string Markdown, DateTimeOffset ComputedAt);
