using TrueCost.Contracts.Validation;
using static TrueCost.Contracts.Validation.FieldRules;

namespace TrueCost.Contracts.Incidents;

/// <summary>Parses and validates incident lifecycle records; every rejection names the field and value.</summary>
public sealed class IncidentParser(TimeProvider clock) : IRecordParser<IncidentRecord>
{
    /// <summary>A week: one responder's hours on one incident beyond this are a unit mistake (minutes sent as hours).</summary>
    public const decimal MaxResponderHours = 168;

    public ParseResult<IncidentRecord> Parse(ReadOnlySpan<byte> utf8Json)
    {
        var parsed = WireJson.Deserialize<IncidentRecord>(utf8Json);
        if (!parsed.IsValid)
        {
            return parsed;
        }

        var r = parsed.Record!;
        var error = Validate(r, clock.GetUtcNow());
        return error is null ? parsed : ParseResult<IncidentRecord>.Reject($"incident {Clip(r.IncidentId)} record {Clip(r.RecordId)}: {error}");
    }

    private static string? Validate(IncidentRecord r, DateTimeOffset now)
    {
        if (r.SchemaVersion != 1)
        {
            return $"schema_version {r.SchemaVersion} is not supported by this topic (expected 1)";
        }

        return Required("record_id", r.RecordId)
            ?? Required("incident_id", r.IncidentId)
            ?? OneOf("type", r.Type, IncidentRecordTypes.All)
            ?? TimestampRules.Check("timestamp", r.Timestamp, now)
            ?? (r.Severity is null ? null : OneOf("severity", r.Severity, IncidentSeverities.All))
            ?? NotBlank("title", r.Title)
            ?? Responder(r)
            ?? (r.Affected is { } scope ? Scope(scope) : null)
            ?? (r.FailedRequests is { } failed ? NonNegative("failed_requests", failed) : null)
            ?? Credit(r)
            ?? PostmortemUrl(r.PostmortemUrl);
    }

    private static string? Responder(IncidentRecord r) => r.Responder switch
    {
        null when r.Type == IncidentRecordTypes.ResponderJoined => "type responder_joined requires responder",
        null => null,
        var p => Required("responder.name", p.Name)
            ?? Required("responder.role", p.Role)
            ?? InRange("responder.hours", p.Hours, 0, MaxResponderHours),
    };

    private static string? Credit(IncidentRecord r) => r.Credit switch
    {
        null when r.Type == IncidentRecordTypes.CreditIssued => "type credit_issued requires credit",
        null => null,
        var c => (c.Amount <= 0 ? $"credit.amount {Show(c.Amount)} must be positive (the amount credited to the customer)" : null)
            ?? OneOf("credit.currency", c.Currency, CurrencyCodes.Known)
            ?? NotBlank("credit.tenant", c.Tenant),
    };

    private static string? Scope(IncidentScope scope) =>
        Names("affected.routes", scope.Routes)
        ?? Names("affected.tenants", scope.Tenants)
        ?? Names("affected.models", scope.Models)
        ?? Names("affected.pools", scope.Pools);

    /// <summary>The serializer lets null list elements through a non-nullable list; allocation would trip over them later.</summary>
    private static string? Names(string field, IReadOnlyList<string> names)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (Required($"{field}[{i}]", names[i]) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static string? PostmortemUrl(string? url) =>
        url is null
        || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            ? null
            : $"postmortem_url {Quote(url)} is not an absolute http(s) URL";
}
