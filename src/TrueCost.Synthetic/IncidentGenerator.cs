using System.Text.Json;
using TrueCost.Contracts;
using TrueCost.Contracts.Incidents;
using TrueCost.Contracts.Validation;

namespace TrueCost.Synthetic;

/// <summary>
/// One incident on the synthetic day (the 70B agent route degraded during the afternoon peak),
/// emitted out of order and with one record repeated, as incident tools do.
/// </summary>
public sealed class IncidentGenerator(DateTimeOffset day)
{
    public const string IncidentId = "INC-2026-0042";

    public IEnumerable<SyntheticRecord> Generate()
    {
        var opened = day.AddHours(14).AddMinutes(5);
        var scope = new IncidentScope { Routes = ["/agent/plan"], Pools = ["h100-pool"] };
        var resolved = Record("r6", IncidentRecordTypes.Resolved, opened.AddMinutes(95)) with { PostmortemUrl = "https://wiki.example.com/postmortems/INC-2026-0042", FailedRequests = 1_800 };
        var responder = Record("r2", IncidentRecordTypes.ResponderJoined, opened.AddMinutes(3)) with { Responder = new IncidentResponder("dana", "incident_commander", 3.0m) };
        yield return Serialize(Record("r1", IncidentRecordTypes.Opened, opened) with { Severity = "sev2", Title = "Agent planning latency and 5xx on h100-pool", Affected = scope });
        yield return Serialize(resolved);
        yield return Serialize(responder);
        yield return Serialize(Record("r3", IncidentRecordTypes.ResponderJoined, opened.AddMinutes(8)) with { Responder = new IncidentResponder("lee", "sre", 2.5m) });
        yield return Serialize(Record("r4", IncidentRecordTypes.ResponderJoined, opened.AddMinutes(20)) with { Responder = new IncidentResponder("sam", "engineer", 4.0m) });
        yield return Serialize(Record("r5", IncidentRecordTypes.Mitigated, opened.AddMinutes(65)));
        yield return Serialize(responder);
        yield return Serialize(Record("r7", IncidentRecordTypes.CreditIssued, opened.AddMinutes(120)) with { Credit = new IncidentCredit(250m, "USD", "tenant-01") });
    }

    private static IncidentRecord Record(string id, string type, DateTimeOffset at) => new()
    {
        RecordId = $"{IncidentId}-{id}",
        IncidentId = IncidentId,
        Type = type,
        Timestamp = at,
    };

    private static SyntheticRecord Serialize(IncidentRecord r) =>
        new(Topics.Incidents, r.IncidentId, JsonSerializer.SerializeToUtf8Bytes(r, WireJson.Options), Valid: true);
}
