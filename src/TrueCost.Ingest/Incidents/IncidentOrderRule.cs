using Npgsql;
using TrueCost.Contracts.Incidents;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ingest.Incidents;

/// <summary>
/// An incident cannot be mitigated or resolved before it opened. Records arrive in any order, so
/// the rule compares each one with what the incident's stored records established: its earliest
/// opening and its earliest mitigation or resolution. Whichever record contradicts the ones stored
/// before it is rejected; the incident's downtime is never computed from an impossible pair.
/// </summary>
public sealed class IncidentOrderRule(LedgerOptions ledger) : ICrossRecordRule<IncidentRecord>
{
    private readonly string _table = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.IncidentBounds);

    public async Task<IReadOnlyList<string?>> ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<IncidentRecord> records, CancellationToken ct)
    {
        var relevant = records.Where(r => IsOpening(r) || IsClosing(r)).Select(r => r.IncidentId).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (relevant.Length == 0)
        {
            return new string?[records.Count];
        }

        var bounds = await LockAsync(conn, tx, relevant, ct);
        var reasons = records.Select(r => Check(r, bounds)).ToArray();
        await SaveAsync(conn, tx, bounds, ct);
        return reasons;
    }

    private static string? Check(IncidentRecord r, Dictionary<string, Bounds> all)
    {
        if (!all.TryGetValue(r.IncidentId, out var b))
        {
            return null;
        }

        if (IsOpening(r))
        {
            if (b.ClosedAt is { } closed && r.Timestamp > closed)
            {
                return $"incident {r.IncidentId} opened at {TimestampRules.Format(r.Timestamp)}, after it was {b.ClosedAs} at {TimestampRules.Format(closed)} (record {b.ClosedBy}): an incident cannot open after it ended";
            }

            if (b.OpenedAt is null || r.Timestamp < b.OpenedAt)
            {
                all[r.IncidentId] = b with { OpenedAt = r.Timestamp, OpenedBy = r.RecordId };
            }

            return null;
        }

        if (IsClosing(r))
        {
            if (b.OpenedAt is { } opened && r.Timestamp < opened)
            {
                return $"incident {r.IncidentId} {r.Type} at {TimestampRules.Format(r.Timestamp)}, before it was opened at {TimestampRules.Format(opened)} (record {b.OpenedBy}): {r.Type} before opened";
            }

            if (b.ClosedAt is null || r.Timestamp < b.ClosedAt)
            {
                all[r.IncidentId] = b with { ClosedAt = r.Timestamp, ClosedBy = r.RecordId, ClosedAs = r.Type };
            }
        }

        return null;
    }

    private async Task<Dictionary<string, Bounds>> LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string[] incidents, CancellationToken ct)
    {
        await using (var ensure = new NpgsqlCommand($"insert into {_table} (incident_id) select unnest($1::text[]) on conflict do nothing", conn, tx))
        {
            ensure.Parameters.Add(new NpgsqlParameter { Value = incidents });
            await ensure.ExecuteNonQueryAsync(ct);
        }

        await using var select = new NpgsqlCommand(
            $"select incident_id, opened_at, opened_by, closed_at, closed_by, closed_as from {_table} where incident_id = any($1) order by incident_id for update", conn, tx);
        select.Parameters.Add(new NpgsqlParameter { Value = incidents });
        var bounds = new Dictionary<string, Bounds>(StringComparer.Ordinal);
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            bounds[reader.GetString(0)] = new Bounds(
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5));
        }

        return bounds;
    }

    private async Task SaveAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Dictionary<string, Bounds> bounds, CancellationToken ct)
    {
        var rows = bounds.OrderBy(b => b.Key, StringComparer.Ordinal).ToArray();
        await using var update = new NpgsqlCommand(
            $"""
            update {_table} t set opened_at = x.oa, opened_by = x.ob, closed_at = x.ca, closed_by = x.cb, closed_as = x.cs
            from unnest($1::text[], $2::timestamptz[], $3::text[], $4::timestamptz[], $5::text[], $6::text[]) as x(id, oa, ob, ca, cb, cs)
            where t.incident_id = x.id
            """, conn, tx);
        update.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Key).ToArray() });
        update.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Value.OpenedAt).ToArray() });
        update.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Value.OpenedBy).ToArray() });
        update.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Value.ClosedAt).ToArray() });
        update.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Value.ClosedBy).ToArray() });
        update.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Value.ClosedAs).ToArray() });
        await update.ExecuteNonQueryAsync(ct);
    }

    private static bool IsOpening(IncidentRecord r) => r.Type == IncidentRecordTypes.Opened;

    private static bool IsClosing(IncidentRecord r) => r.Type is IncidentRecordTypes.Mitigated or IncidentRecordTypes.Resolved;

    private sealed record Bounds(DateTimeOffset? OpenedAt, string? OpenedBy, DateTimeOffset? ClosedAt, string? ClosedBy, string? ClosedAs);
}
