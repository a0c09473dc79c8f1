using Npgsql;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging.Delivery;
using TrueCost.Reporting.Restatements;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Reporting.Messaging;

/// <summary>
/// The record of generated weekly reports (weekly_reports, one row per week × request, so a redelivered
/// request is recognised), of their deliveries (weekly_report_deliveries, one row per report × channel) and of
/// weeks whose published report awaits a restatement (weekly_restatements_pending, one row per week). A report is
/// stale_since the first hour change of its week after it was generated, and restated_at when a re-issue that
/// replaces it (restated_by; the re-issue's restatement_of names it back) was published. The tables live in the
/// ledger's schema and are created on first use.
/// </summary>
public sealed class WeeklyReportStore(NpgsqlDataSource dataSource, LedgerOptions ledger) : IDisposable
{
    private const string ReportsName = "weekly_reports";
    private const string DeliveriesName = "weekly_report_deliveries";
    private const string PendingName = "weekly_restatements_pending";

    public const string Delivered = DeliveryLog.Delivered;
    public const string Failed = DeliveryLog.Failed;

    private readonly string _reports = LedgerTables.QualifiedName(ledger.Schema, ReportsName);
    private readonly string _deliveries = LedgerTables.QualifiedName(ledger.Schema, DeliveriesName);
    private readonly string _pending = LedgerTables.QualifiedName(ledger.Schema, PendingName);
    private readonly string _changes = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.HourChanges);
    private readonly TablesOnce _tables = new(dataSource, LedgerTables.QualifiedName(ledger.Schema, ReportsName), Ddl(ledger.Schema));

    public string ReportsTable => _reports;

    public string DeliveriesTable => _deliveries;

    public string PendingRestatementsTable => _pending;

    public Task EnsureCreatedAsync(CancellationToken ct) => _tables.EnsureAsync(ct);

    /// <summary>
    /// Claims the generation of <paramref name="week"/> for <paramref name="requestId"/> in a new transaction, or
    /// returns null when that request was already generated. The row lock makes a concurrent duplicate wait for
    /// this claim to commit (then it sees the row) or roll back (then it generates).
    /// </summary>
    public async Task<ReportClaim?> ClaimAsync(IsoWeek week, Guid requestId, string requestedBy, CancellationToken ct)
    {
        await EnsureCreatedAsync(ct);
        var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var tx = await conn.BeginTransactionAsync(ct);
            await using var insert = new NpgsqlCommand(
                $"insert into {_reports} (iso_week, request_id, requested_by, report_id) values ($1, $2, $3, $4) on conflict do nothing",
                conn,
                tx);
            var reportId = Guid.NewGuid();
            insert.Parameters.Add(new NpgsqlParameter { Value = week.ToString() });
            insert.Parameters.Add(new NpgsqlParameter { Value = requestId });
            insert.Parameters.Add(new NpgsqlParameter { Value = requestedBy });
            insert.Parameters.Add(new NpgsqlParameter { Value = reportId });
            if (await insert.ExecuteNonQueryAsync(ct) == 1)
            {
                return new ReportClaim(conn, tx, _reports, week, requestId, reportId);
            }

            await tx.DisposeAsync();
            await conn.DisposeAsync();
            return null;
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// An hour of <paramref name="week"/> changed at <paramref name="changedAt"/>: the week's current reports generated
    /// before that are marked stale, and, when there are any, the week's pending restatement is opened or (seen again
    /// at <paramref name="seenAt"/>) kept waiting. Returns how many reports the change made stale; repeating it is harmless.
    /// </summary>
    public async Task<int> RecordHourChangeAsync(IsoWeek week, DateTimeOffset changedAt, DateTimeOffset seenAt, CancellationToken ct)
    {
        await EnsureCreatedAsync(ct);
        await using var cmd = Command($"""
            with stale as (
                update {_reports} set stale_since = coalesce(stale_since, $2)
                where iso_week = $1 and generated_at < $2 and restated_at is null
                returning 1),
            pending as (
                insert into {_pending} (iso_week, first_seen_at, last_seen_at)
                select $1, $3, $3 where exists (select 1 from stale)
                on conflict (iso_week) do update set last_seen_at = greatest({_pending}.last_seen_at, excluded.last_seen_at)
                returning 1)
            select count(*) from stale
            """, week.ToString(), changedAt, seenAt);
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The week's latest generated report that no re-issue replaced yet; none when the week was never published.</summary>
    public async Task<PublishedReport?> LatestPublishedAsync(IsoWeek week, CancellationToken ct)
    {
        await EnsureCreatedAsync(ct);
        await using var cmd = Command($"""
            select report_id, generated_at, total from {_reports}
            where iso_week = $1 and generated_at is not null and restated_at is null
            order by generated_at desc limit 1
            """, week.ToString());
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new PublishedReport(week, r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1), r.GetDecimal(2)) : null;
    }

    /// <summary>Every allocation change of an hour of <paramref name="week"/> after <paramref name="since"/>, in the order they were made.</summary>
    public async Task<IReadOnlyList<HourChange>> HourChangesSinceAsync(IsoWeek week, DateTimeOffset since, CancellationToken ct)
    {
        await using var cmd = Command($"""
            select id, hour, previous_total, new_total, currency, reason, changed_at from {_changes}
            where hour >= $1 and hour < $2 and changed_at > $3 order by id
            """, week.Start, week.End, since);
        var changes = new List<HourChange>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            changes.Add(new HourChange(
                r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetDecimal(2), r.GetDecimal(3),
                r.GetString(4), r.GetString(5), r.GetFieldValue<DateTimeOffset>(6)));
        }

        return changes;
    }

    /// <summary>One row per report × channel: what was delivered, what failed and why.</summary>
    public DeliveryLog Deliveries => new(dataSource, _deliveries, "report_id", EnsureCreatedAsync);

    private static string Ddl(string schema)
    {
        var reports = LedgerTables.QualifiedName(schema, ReportsName);
        var deliveries = LedgerTables.QualifiedName(schema, DeliveriesName);
        var pending = LedgerTables.QualifiedName(schema, PendingName);
        return $"""
            create schema if not exists {schema};
            create table if not exists {reports} (
                iso_week text not null,
                request_id uuid not null,
                requested_by text not null,
                report_id uuid not null,
                claimed_at timestamptz not null default now(),
                generated_at timestamptz,
                total numeric(18,2),
                currency text,
                files text[],
                stale_since timestamptz,
                primary key (iso_week, request_id));
            {DeliveryLog.Ddl(deliveries, "report_id", "uuid")}
            alter table {reports} add column if not exists restated_at timestamptz;
            alter table {reports} add column if not exists restated_by uuid;
            alter table {reports} add column if not exists restatement_of uuid;
            create table if not exists {pending} (
                iso_week text primary key,
                first_seen_at timestamptz not null,
                last_seen_at timestamptz not null);
            """;
    }

    public void Dispose() => _tables.Dispose();

    private NpgsqlCommand Command(string sql, params object[] parameters) => dataSource.Command(sql, parameters);
}

/// <summary>A generated weekly report as weekly_reports records it.</summary>
public sealed record PublishedReport(IsoWeek Week, Guid ReportId, DateTimeOffset GeneratedAt, decimal Total);

/// <summary>
/// An open claim on generating one report: complete it with what was published, then commit; disposing without
/// commit rolls back. A restatement's completion also marks every earlier current report of the week restated by it.
/// </summary>
public sealed class ReportClaim(NpgsqlConnection conn, NpgsqlTransaction tx, string table, IsoWeek week, Guid requestId, Guid reportId) : IAsyncDisposable
{
    public Guid ReportId { get; } = reportId;

    public async Task CompleteAsync(WeeklyReportPublished published, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(published);
        await using var update = new NpgsqlCommand(
            $"update {table} set generated_at = $3, total = $4, currency = $5, files = $6, restatement_of = $7 where iso_week = $1 and request_id = $2",
            conn,
            tx);
        update.Parameters.Add(new NpgsqlParameter { Value = week.ToString() });
        update.Parameters.Add(new NpgsqlParameter { Value = requestId });
        update.Parameters.Add(new NpgsqlParameter { Value = published.GeneratedAt });
        update.Parameters.Add(new NpgsqlParameter { Value = published.Total });
        update.Parameters.Add(new NpgsqlParameter { Value = published.Currency });
        update.Parameters.Add(new NpgsqlParameter { Value = published.Files.ToArray() });
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)published.Restates ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await update.ExecuteNonQueryAsync(ct);
        if (published.Restates is null)
        {
            return;
        }

        await using var restate = new NpgsqlCommand($"""
            update {table} set restated_at = $3, restated_by = $4
            where iso_week = $1 and generated_at is not null and restated_at is null and request_id <> $2
            """, conn, tx);
        restate.Parameters.Add(new NpgsqlParameter { Value = week.ToString() });
        restate.Parameters.Add(new NpgsqlParameter { Value = requestId });
        restate.Parameters.Add(new NpgsqlParameter { Value = published.GeneratedAt });
        restate.Parameters.Add(new NpgsqlParameter { Value = ReportId });
        await restate.ExecuteNonQueryAsync(ct);
    }

    public Task CommitAsync(CancellationToken ct) => tx.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await tx.DisposeAsync();
        await conn.DisposeAsync();
    }
}
