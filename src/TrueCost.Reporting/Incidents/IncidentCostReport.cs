using System.Globalization;
using System.Text.Json.Serialization;
using TrueCost.Ledger.Incidents;

namespace TrueCost.Reporting.Incidents;

/// <summary>A cost_hourly row of the incident's window with a non-zero incident bucket.</summary>
public sealed record IncidentBucketRow(DateTimeOffset Hour, string Route, string Tenant, string Model, string TrafficClass, decimal Incident);

public sealed record AffectedKeyCost(string Route, string Tenant, decimal Amount);

public sealed record ResponderCost(string Responder, string Role, decimal Hours, decimal Rate, decimal Cost);

public sealed record TimelineEntry(DateTimeOffset At, string What);

/// <summary>
/// What an incident cost, for its postmortem. Four components that add up to <see cref="Total"/>:
/// responder time, failed requests, SLA credits, and the GPU time and retry tokens wasted — the
/// incident bucket allocated to the affected keys in cost_hourly beyond the other three (retry
/// tokens the allocator moved out of direct inference, and incident-classified invoice lines).
/// </summary>
public sealed record IncidentCostReport(
    string IncidentId,
    string Title,
    string Severity,
    string Status,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    DateTimeOffset? OpenedAt,
    DateTimeOffset? MitigatedAt,
    DateTimeOffset? ResolvedAt,
    string? PostmortemUrl,
    string Currency,
    decimal ResponderTime,
    decimal FailedRequests,
    decimal SlaCredits,
    decimal WastedGpuAndRetryTokens,
    decimal Total,
    decimal ResponderHours,
    long FailedRequestCount,
    decimal AllocatedIncidentBucket,
    IReadOnlyList<ResponderCost> Responders,
    IReadOnlyList<AffectedKeyCost> Affected,
    IReadOnlyList<TimelineEntry> Timeline)
{
    [JsonIgnore]
    public IReadOnlyList<(string Name, decimal Amount)> Components =>
    [
        ("Responder time", ResponderTime),
        ("Failed requests", FailedRequests),
        ("SLA credits", SlaCredits),
        ("Wasted GPU and retry tokens", WastedGpuAndRetryTokens),
    ];

    public IReadOnlyList<string> AffectedRoutes => [.. Affected.Select(a => a.Route).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    public IReadOnlyList<string> AffectedTenants => [.. Affected.Select(a => a.Tenant).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Builds the report from the incidents row, the cost_hourly rows of its window and, when the
    /// event stream could be read, its folded timeline. Only rows inside the incident's scope count
    /// (routes, tenants, models; cost_hourly has no pool, so a pool-only scope takes every row), so
    /// an unrelated incident in the same hours does not inflate this one.
    /// </summary>
    public static IncidentCostReport Build(IncidentRow row, IEnumerable<IncidentBucketRow> costRows, IncidentTimeline? timeline, IncidentCostOptions rates, string currency)
    {
        var scope = row.Affected;
        var affected = costRows
            .Where(r => r.Incident != 0 && In(scope.Routes, r.Route) && In(scope.Tenants, r.Tenant) && In(scope.Models, r.Model))
            .GroupBy(r => (r.Route, r.Tenant))
            .Select(g => new AffectedKeyCost(g.Key.Route, g.Key.Tenant, g.Sum(r => r.Incident)))
            .OrderByDescending(a => a.Amount).ThenBy(a => a.Route, StringComparer.Ordinal).ThenBy(a => a.Tenant, StringComparer.Ordinal)
            .ToList();
        var allocated = affected.Sum(a => a.Amount);
        var responder = Cents(row.ResponderCost);
        var failed = Cents(row.FailedRequestCost);
        var credits = Cents(row.Credits);
        var wasted = Math.Max(0m, Cents(allocated) - responder - failed - credits);
        var status = row.ResolvedAt is not null ? "resolved" : row.MitigatedAt is not null ? "mitigated" : "open";
        var responders = timeline?.Responders.Select(r => new ResponderCost(r.Responder, r.Role, r.Hours, rates.RateFor(r.Role), Cents(r.Hours * rates.RateFor(r.Role)))).ToList() ?? [];
        return new IncidentCostReport(
            row.IncidentId, row.Title, row.Severity, status, row.WindowStart, row.WindowEnd, row.OpenedAt, row.MitigatedAt, row.ResolvedAt, row.PostmortemUrl, currency,
            responder, failed, credits, wasted, responder + failed + credits + wasted, row.ResponderHours, row.FailedRequests, allocated,
            responders, affected, timeline is null ? FromRow(row) : FromEvents(timeline, rates));
    }

    private static bool In(IReadOnlyList<string> scope, string value) => scope.Count == 0 || scope.Contains(value);

    private static decimal Cents(decimal amount) => Math.Round(amount, 2, MidpointRounding.ToEven);

    private static List<TimelineEntry> FromEvents(IncidentTimeline timeline, IncidentCostOptions rates) =>
    [
        .. timeline.Events.Select(e => new TimelineEntry(e.At, e switch
        {
            IncidentOpened o => $"opened ({o.Severity}): {o.Title}",
            ResponderJoined r => Invariant($"{r.Responder} joined as {r.Role} ({r.Hours:0.##} h at {rates.RateFor(r.Role):N2}/h)"),
            IncidentImpactUpdated i => "impact updated" + (i.FailedRequests is { } n ? Invariant($": {n:N0} failed requests") : string.Empty),
            IncidentMitigated => "mitigated",
            IncidentResolved r => "resolved" + (r.FailedRequests is { } n ? Invariant($" ({n:N0} failed requests)") : string.Empty),
            IncidentCreditIssued c => Invariant($"SLA credit {c.Amount:N2} {c.Currency}") + (c.Tenant is { } t ? $" to {t}" : string.Empty),
            _ => e.GetType().Name,
        })),
    ];

    private static List<TimelineEntry> FromRow(IncidentRow row) =>
    [
        .. new (DateTimeOffset? At, string What)[] { (row.OpenedAt, $"opened ({row.Severity}): {row.Title}"), (row.MitigatedAt, "mitigated"), (row.ResolvedAt, "resolved") }
            .Where(x => x.At is not null)
            .Select(x => new TimelineEntry(x.At!.Value, x.What)),
    ];

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
