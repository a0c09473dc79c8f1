using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging.Delivery;

namespace TrueCost.Reporting.Governance.Alerts;

/// <summary>
/// The state of governance alerts, in the ledger's schema, created on first use: budget_thresholds (one row per
/// budget × period × threshold, crossed or cleared), anomaly_alerts (one row per anomaly, updated while it lasts),
/// governance_notifications (the outbox: one row per alert to deliver, published to the bus once) and
/// governance_deliveries (one row per notification × channel). A state change and its notification are written in
/// one transaction, so a restart neither loses nor repeats an alert.
/// </summary>
public sealed class AlertStore(NpgsqlDataSource dataSource, LedgerOptions ledger) : IDisposable
{
    private const string ThresholdsName = "budget_thresholds";
    private const string AnomaliesName = "anomaly_alerts";
    private const string NotificationsName = "governance_notifications";
    private const string DeliveriesName = "governance_deliveries";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _thresholds = LedgerTables.QualifiedName(ledger.Schema, ThresholdsName);
    private readonly string _anomalies = LedgerTables.QualifiedName(ledger.Schema, AnomaliesName);
    private readonly string _notifications = LedgerTables.QualifiedName(ledger.Schema, NotificationsName);
    private readonly string _deliveries = LedgerTables.QualifiedName(ledger.Schema, DeliveriesName);
    private readonly TablesOnce _tables = new(dataSource, LedgerTables.QualifiedName(ledger.Schema, NotificationsName), Ddl(ledger.Schema));

    public string NotificationsTable => _notifications;

    public NpgsqlDataSource DataSource => dataSource;

    public Task EnsureCreatedAsync(CancellationToken ct) => _tables.EnsureAsync(ct);

    /// <summary>The states of a budget period's thresholds, by <see cref="Budgets.ThresholdCheck.Key"/>.</summary>
    public async Task<Dictionary<string, bool>> ThresholdStatesAsync(NpgsqlConnection conn, string budget, DateTimeOffset periodStart, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"select threshold, state = 'crossed' from {_thresholds} where budget = $1 and period_start = $2", conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = budget });
        cmd.Parameters.Add(new NpgsqlParameter { Value = periodStart });
        var states = new Dictionary<string, bool>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            states[r.GetString(0)] = r.GetBoolean(1);
        }

        return states;
    }

    public async Task SetThresholdAsync(NpgsqlConnection conn, string budget, DateTimeOffset periodStart, string threshold, bool crossed, decimal actual, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            insert into {_thresholds} (budget, period_start, threshold, state, actual) values ($1, $2, $3, $4, $5)
            on conflict (budget, period_start, threshold) do update set state = excluded.state, actual = excluded.actual, changed_at = now()
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = budget });
        cmd.Parameters.Add(new NpgsqlParameter { Value = periodStart });
        cmd.Parameters.Add(new NpgsqlParameter { Value = threshold });
        cmd.Parameters.Add(new NpgsqlParameter { Value = crossed ? "crossed" : "cleared" });
        cmd.Parameters.Add(new NpgsqlParameter { Value = actual });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Records an anomaly, or updates the one already recorded for the same series and granularity that it overlaps or
    /// continues (a run that is still going can reach back to earlier hours, so its start may move); true when it is new
    /// (and so needs an alert).
    /// </summary>
    public async Task<bool> UpsertAnomalyAsync(NpgsqlConnection conn, string alertKey, Ledger.Governance.Anomaly a, string? tenant, CancellationToken ct)
    {
        var granularity = a.Granularity.ToString().ToLowerInvariant();
        await using (var update = new NpgsqlCommand($"""
            update {_anomalies} set started_at = least(started_at, $5), ended_at = greatest(ended_at, $6), peak_at = $7, actual = $8, expected = $9,
                impact = $10, score = $11, open = $12, updated_at = now()
            where alert_key = (select alert_key from {_anomalies}
                               where dimension = $1 and value = $2 and bucket = $3 and granularity = $4 and started_at <= $6 and ended_at >= $5
                               order by started_at limit 1)
            """, conn))
        {
            foreach (var value in new object[]
            {
                a.Key.Dimension, a.Key.Value, a.Key.Bucket, granularity, a.Start, a.End, a.Peak,
                Math.Round(a.Actual, 2), Math.Round(a.Expected, 2), Math.Round(a.Impact, 2), a.Score, a.Open,
            })
            {
                update.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            if (await update.ExecuteNonQueryAsync(ct) > 0)
            {
                return false;
            }
        }

        await using var insert = new NpgsqlCommand($"""
            insert into {_anomalies} (alert_key, dimension, value, bucket, granularity, tenant, started_at, ended_at, peak_at, actual, expected, impact, score, open)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
            on conflict (alert_key) do nothing
            """, conn);
        foreach (var value in new object[]
        {
            alertKey, a.Key.Dimension, a.Key.Value, a.Key.Bucket, granularity, (object?)tenant ?? DBNull.Value,
            a.Start, a.End, a.Peak, Math.Round(a.Actual, 2), Math.Round(a.Expected, 2), Math.Round(a.Impact, 2), a.Score, a.Open,
        })
        {
            insert.Parameters.Add(value is DBNull ? new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.Text } : new NpgsqlParameter { Value = value });
        }

        return await insert.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task AddNotificationAsync(NpgsqlConnection conn, AlertText alert, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            insert into {_notifications} (kind, alert_key, transition, tenant, title, body, fields) values ($1, $2, $3, $4, $5, $6, $7::jsonb)
            """, conn);
        cmd.Parameters.Add(new NpgsqlParameter { Value = alert.Kind });
        cmd.Parameters.Add(new NpgsqlParameter { Value = alert.AlertKey });
        cmd.Parameters.Add(new NpgsqlParameter { Value = alert.Transition });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)alert.Tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = alert.Title });
        cmd.Parameters.Add(new NpgsqlParameter { Value = alert.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(alert.Fields, Json) });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Notifications not yet published to the bus, oldest first.</summary>
    public async Task<IReadOnlyList<GovernanceAlertRaised>> UnpublishedAsync(int limit, CancellationToken ct)
    {
        await EnsureCreatedAsync(ct);
        await using var cmd = dataSource.CreateCommand($"""
            select id, kind, alert_key, transition, tenant, title, body, fields::text, created_at from {_notifications}
            where published_at is null order by id limit $1
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = limit });
        return await ReadAsync(cmd, ct);
    }

    public async Task MarkPublishedAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"update {_notifications} set published_at = now() where id = any($1)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Notifications raised in [from, to), newest first; a tenant sees only its own.</summary>
    public async Task<IReadOnlyList<GovernanceAlertRaised>> NotificationsAsync(DateTimeOffset from, DateTimeOffset to, string? tenant, CancellationToken ct)
    {
        await EnsureCreatedAsync(ct);
        await using var cmd = dataSource.CreateCommand($"""
            select id, kind, alert_key, transition, tenant, title, body, fields::text, created_at from {_notifications}
            where created_at >= $1 and created_at < $2 and ($3::text is null or tenant = $3) order by id desc
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = from });
        cmd.Parameters.Add(new NpgsqlParameter { Value = to });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)tenant ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await ReadAsync(cmd, ct);
    }

    /// <summary>One row per notification × channel: what was delivered, what failed and why.</summary>
    public DeliveryLog Deliveries => new(dataSource, _deliveries, "notification_id", EnsureCreatedAsync);

    private static string Ddl(string schema)
    {
        var thresholds = LedgerTables.QualifiedName(schema, ThresholdsName);
        var anomalies = LedgerTables.QualifiedName(schema, AnomaliesName);
        var notifications = LedgerTables.QualifiedName(schema, NotificationsName);
        var deliveries = LedgerTables.QualifiedName(schema, DeliveriesName);
        return $"""
            create schema if not exists {schema};
            create table if not exists {thresholds} (
                budget text not null,
                period_start timestamptz not null,
                threshold text not null,
                state text not null,
                actual numeric(18,2) not null,
                changed_at timestamptz not null default now(),
                primary key (budget, period_start, threshold));
            create table if not exists {anomalies} (
                alert_key text primary key,
                dimension text not null,
                value text not null,
                bucket text not null,
                granularity text not null,
                tenant text,
                started_at timestamptz not null,
                ended_at timestamptz not null,
                peak_at timestamptz not null,
                actual numeric(18,2) not null,
                expected numeric(18,2) not null,
                impact numeric(18,2) not null,
                score double precision not null,
                open boolean not null,
                detected_at timestamptz not null default now(),
                updated_at timestamptz not null default now());
            create table if not exists {notifications} (
                id bigserial primary key,
                kind text not null,
                alert_key text not null,
                transition text not null,
                tenant text,
                title text not null,
                body text not null,
                fields jsonb not null,
                created_at timestamptz not null default now(),
                published_at timestamptz);
            create index if not exists governance_notifications_unpublished on {notifications} (id) where published_at is null;
            {DeliveryLog.Ddl(deliveries, "notification_id", "bigint")}
            """;
    }

    public void Dispose() => _tables.Dispose();

    private static async Task<IReadOnlyList<GovernanceAlertRaised>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<GovernanceAlertRaised>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new GovernanceAlertRaised(
                r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.GetString(5), r.GetString(6),
                JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(7), Json) ?? [], r.GetFieldValue<DateTimeOffset>(8)));
        }

        return rows;
    }
}
