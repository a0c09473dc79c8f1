using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.Incidents;

/// <summary>
/// Async projection over the per-incident streams: on every lifecycle event the incident's whole
/// stream is folded again (so out-of-order records settle to the same state) into the flat table
/// <c>incidents</c>, and every hour any window of the incident covered is queued for re-allocation. No wall
/// clock: an open incident's window ends at its latest record. <c>credits</c> holds the credits in the ledger
/// currency; <c>credits_by_currency</c> all of them, per currency, for the allocator to convert.
/// </summary>
public sealed partial class IncidentsProjection : EventProjection
{
    public static readonly IReadOnlyList<FlatColumn> Columns =
    [
        new("incident_id", "text", Merge.Key),
        new("severity", "text", Merge.Replace),
        new("title", "text", Merge.Replace),
        new("opened_at", "timestamptz", Merge.Replace, Nullable: true),
        new("mitigated_at", "timestamptz", Merge.Replace, Nullable: true),
        new("resolved_at", "timestamptz", Merge.Replace, Nullable: true),
        new("window_start", "timestamptz", Merge.Replace),
        new("window_end", "timestamptz", Merge.Replace),
        new("failed_requests", "bigint", Merge.Replace),
        new("responder_hours", "numeric", Merge.Replace),
        new("responder_cost", "numeric", Merge.Replace),
        new("failed_request_cost", "numeric", Merge.Replace),
        new("credits", "numeric", Merge.Replace),
        new("credits_by_currency", "jsonb", Merge.Replace, Nullable: true),
        new("affected", "jsonb", Merge.Replace),
        new("postmortem_url", "text", Merge.Replace, Nullable: true),
        new("records", "integer", Merge.Replace),
    ];

    private readonly string _schema;
    private readonly string _upsertSql;
    private readonly IncidentCostOptions _costs;
    private readonly string _currency;

    public IncidentsProjection(string schema, IncidentCostOptions costs, string currency)
    {
        _costs = costs;
        _schema = schema;
        _currency = currency;
        Name = LedgerTables.Incidents;
        IncludeType<IncidentOpened>();
        IncludeType<ResponderJoined>();
        IncludeType<IncidentImpactUpdated>();
        IncludeType<IncidentMitigated>();
        IncludeType<IncidentResolved>();
        IncludeType<IncidentCreditIssued>();
        var table = LedgerTables.QualifiedName(schema, LedgerTables.Incidents);
        Options.DeleteDataInTableOnTeardown(table);
        _upsertSql = FlatUpsert.Sql(table, Columns);
    }

    public override async ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.Data is not IIncidentEvent incident)
        {
            return;
        }

        var stream = await operations.Events.FetchStreamAsync(e.StreamKey!, token: cancellation);
        var timeline = IncidentTimeline.Fold(incident.IncidentId, stream.Select(x => x.Data).OfType<IIncidentEvent>().Append(incident));
        var end = timeline.End;
        operations.QueueSqlCommand(
            _upsertSql,
            new[] { timeline.IncidentId },
            new[] { timeline.Severity },
            new[] { timeline.Title },
            new[] { timeline.OpenedAt },
            new[] { timeline.MitigatedAt },
            new[] { timeline.ResolvedAt },
            new[] { timeline.Start },
            new[] { end },
            new[] { timeline.FailedRequests },
            new[] { timeline.Responders.Sum(r => r.Hours) },
            new[] { _costs.ResponderCost(timeline) },
            new[] { _costs.FailedRequestCost(timeline) },
            new[] { timeline.CreditsByCurrency.GetValueOrDefault(_currency) },
            new[] { System.Text.Json.JsonSerializer.Serialize(timeline.CreditsByCurrency) },
            new[] { System.Text.Json.JsonSerializer.Serialize(timeline.Affected) },
            new[] { timeline.PostmortemUrl },
            new[] { timeline.Events.Count });
        DirtyHours.Enqueue(operations, _schema, timeline.HoursEverCovered(), $"incident {timeline.IncidentId}");
    }
}
