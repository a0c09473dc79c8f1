using TrueCost.Contracts;
using TrueCost.Contracts.Incidents;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Incidents;

namespace TrueCost.Ingest.Incidents;

/// <summary>Incident lifecycle records become events in one stream per incident (<see cref="IncidentStreams"/>).</summary>
public sealed class IncidentSource(TimeProvider clock, IngestOptions options) : IIngestSource<IncidentRecord>
{
    public string Topic { get; } = options.TopicFor(Topics.Incidents);

    public short Kind => 4;

    public IRecordParser<IncidentRecord> Parser { get; } = new IncidentParser(clock);

    public void Read(byte[] message, List<SourceRecord<IncidentRecord>> into) => OneRecordPerMessage.Read(Parser, message, into);

    public string RecordId(IncidentRecord record) => record.RecordId;

    public IEnumerable<StreamEvent> ToEvents(SourceRange range, IReadOnlyList<IncidentRecord> records) =>
        records.Select(r => new StreamEvent(IncidentStreams.Key(r.IncidentId), ToEvent(r)));

    public static IIncidentEvent ToEvent(IncidentRecord r) => r.Type switch
    {
        IncidentRecordTypes.Opened => new IncidentOpened(r.IncidentId, r.RecordId, r.Timestamp, r.Severity ?? "unknown", r.Title ?? r.IncidentId, Scope(r.Affected) ?? AffectedScope.Everything),
        IncidentRecordTypes.ResponderJoined => new ResponderJoined(r.IncidentId, r.RecordId, r.Timestamp, r.Responder!.Name, r.Responder.Role, r.Responder.Hours),
        IncidentRecordTypes.Mitigated => new IncidentMitigated(r.IncidentId, r.RecordId, r.Timestamp),
        IncidentRecordTypes.Resolved => new IncidentResolved(r.IncidentId, r.RecordId, r.Timestamp, r.PostmortemUrl, r.FailedRequests),
        IncidentRecordTypes.CreditIssued => new IncidentCreditIssued(r.IncidentId, r.RecordId, r.Timestamp, r.Credit!.Amount, r.Credit.Currency, r.Credit.Tenant),
        _ => new IncidentImpactUpdated(r.IncidentId, r.RecordId, r.Timestamp, Scope(r.Affected), r.FailedRequests),
    };

    private static AffectedScope? Scope(IncidentScope? s) => s is null ? null : new AffectedScope(s.Routes, s.Tenants, s.Models, s.Pools);
}
