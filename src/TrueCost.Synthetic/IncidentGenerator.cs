using System.Text.Json;
using TrueCost.Contracts;
using TrueCost.Contracts.Incidents;
using TrueCost.Contracts.Validation;

namespace TrueCost.Synthetic;

/// <summary>
/// One incident on the synthetic day (the 70B agent route degraded during the afternoon peak),
/// emitted out of order and with one record repeated, as incident tools do; and the incident
/// opened for an injected <see cref="PoolOutage"/>.
/// </summary>
public sealed class IncidentGenerator(DateTimeOffset day)
{
    public const string IncidentId = "INC-2026-0042";

    public IEnumerable<SyntheticRecord> Generate()
    {
        var opened = day.AddHours(14).AddMinutes(5);
        var scope = new IncidentScope { Routes = ["/agent/plan"], Pools = ["h100-pool"] };
        var resolved = Record(IncidentId, "r6", IncidentRecordTypes.Resolved, opened.AddMinutes(95)) with { PostmortemUrl = $"https://wiki.example.com/postmortems/{IncidentId}", FailedRequests = 1_800 };
        var responder = Record(IncidentId, "r2", IncidentRecordTypes.ResponderJoined, opened.AddMinutes(3)) with { Responder = new IncidentResponder("dana", "incident_commander", 3.0m) };
        yield return Serialize(Record(IncidentId, "r1", IncidentRecordTypes.Opened, opened) with { Severity = "sev2", Title = "Agent planning latency and 5xx on h100-pool", Affected = scope });
        yield return Serialize(resolved);
        yield return Serialize(responder);
        yield return Serialize(Record(IncidentId, "r3", IncidentRecordTypes.ResponderJoined, opened.AddMinutes(8)) with { Responder = new IncidentResponder("lee", "sre", 2.5m) });
        yield return Serialize(Record(IncidentId, "r4", IncidentRecordTypes.ResponderJoined, opened.AddMinutes(20)) with { Responder = new IncidentResponder("sam", "engineer", 4.0m) });
        yield return Serialize(Record(IncidentId, "r5", IncidentRecordTypes.Mitigated, opened.AddMinutes(65)));
        yield return Serialize(responder);
        yield return Serialize(Record(IncidentId, "r7", IncidentRecordTypes.CreditIssued, opened.AddMinutes(120)) with { Credit = new IncidentCredit(250m, "USD", "tenant-01") });
    }

    /// <summary>The incident of a pool outage: every route the pool serves affected, mitigated when the pool serves again.</summary>
    public static IEnumerable<SyntheticRecord> Outage(PoolOutage outage)
    {
        var id = outage.IncidentId;
        var routes = RequestLogGenerator.Routes.Where(r => r.GpuPool == outage.Pool).Select(r => r.Route).ToList();
        var mitigated = outage.Start.AddHours(outage.Hours);
        yield return Serialize(Record(id, "r1", IncidentRecordTypes.Opened, outage.Start) with
        {
            Severity = "sev1",
            Title = $"{outage.Pool} lost its nodes: {string.Join(", ", routes)} failing",
            Affected = new IncidentScope { Routes = routes, Pools = [outage.Pool] },
        });
        yield return Serialize(Record(id, "r2", IncidentRecordTypes.ResponderJoined, outage.Start.AddMinutes(6)) with { Responder = new IncidentResponder("lee", "incident_commander", outage.Hours + 1.0m) });
        yield return Serialize(Record(id, "r3", IncidentRecordTypes.ResponderJoined, outage.Start.AddMinutes(15)) with { Responder = new IncidentResponder("sam", "engineer", outage.Hours + 0.5m) });
        yield return Serialize(Record(id, "r4", IncidentRecordTypes.Mitigated, mitigated));
        yield return Serialize(Record(id, "r5", IncidentRecordTypes.Resolved, mitigated.AddMinutes(30)) with { PostmortemUrl = $"https://wiki.example.com/postmortems/{id}", FailedRequests = outage.FailedRequests });
    }

    private static IncidentRecord Record(string incident, string id, string type, DateTimeOffset at) => new()
    {
        RecordId = $"{incident}-{id}",
        IncidentId = incident,
        Type = type,
        Timestamp = at,
    };

    private static SyntheticRecord Serialize(IncidentRecord r) =>
        new(Topics.Incidents, r.IncidentId, JsonSerializer.SerializeToUtf8Bytes(r, WireJson.Options), Valid: true);
}
