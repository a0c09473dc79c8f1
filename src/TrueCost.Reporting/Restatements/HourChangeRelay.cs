using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Messages;
using TrueCost.Reporting.Messaging;

namespace TrueCost.Reporting.Restatements;

/// <summary>
/// The relay of the allocation outbox: publishes <see cref="HourAllocated"/> for each hour_changes row past its
/// cursor (hour_change_cursors), then advances the cursor in the same transaction, so a crash after publishing
/// publishes again (at least once; consumers are idempotent). The cursor row is locked with skip locked: of several
/// replicas one relays, the others skip the round.
/// </summary>
/// <remarks>
/// Rows are read in the order of their writing transaction's id, and only those of transactions older than every
/// transaction still running: a bigserial id is taken before commit, so "id &gt; cursor" could step over an id
/// whose transaction commits later and lose it for good. The price is that a long transaction anywhere in the
/// cluster holds the relay back until it ends.
/// </remarks>
public sealed partial class HourChangeRelay(
    NpgsqlDataSource dataSource,
    LedgerOptions ledger,
    IBus bus,
    ReportingBusOptions options,
    TimeProvider time,
    ILogger<HourChangeRelay> log) : BackgroundService
{
    public const string CursorTable = "hour_change_cursors";
    public const string Consumer = "reporting";

    private readonly string _cursors = LedgerTables.QualifiedName(ledger.Schema, CursorTable);
    private readonly string _changes = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.HourChanges);
    private bool _created;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Restatement;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    while (await RelayBatchAsync(stoppingToken) == settings.BatchSize)
                    {
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Nothing was acknowledged: the cursor stays, and the same rows are read again next round.
                    LogFailed(log, e, _changes, settings.PollInterval);
                }

                await Task.Delay(settings.PollInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopped(log);
        }
    }

    /// <summary>Relays one batch; returns how many changes were published (0 also when another replica holds the cursor).</summary>
    public async Task<int> RelayBatchAsync(CancellationToken ct)
    {
        await EnsureCursorAsync(ct);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var locked = new NpgsqlCommand($"select 1 from {_cursors} where consumer = $1 for update skip locked", conn, tx))
        {
            locked.Parameters.Add(new NpgsqlParameter { Value = Consumer });
            if (await locked.ExecuteScalarAsync(ct) is null)
            {
                return 0;
            }
        }

        var changes = new List<(HourAllocated Message, string TxId)>();
        await using (var read = new NpgsqlCommand($"""
            select h.id, h.hour, h.previous_total, h.new_total, h.currency, h.reason, h.changed_at, h.tx_id::text
            from {_changes} h, {_cursors} c
            where c.consumer = $1 and (h.tx_id, h.id) > (c.last_tx, c.last_id) and h.tx_id < pg_snapshot_xmin(pg_current_snapshot())
            order by h.tx_id, h.id
            limit $2
            """, conn, tx))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = Consumer });
            read.Parameters.Add(new NpgsqlParameter { Value = options.Restatement.BatchSize });
            await using var r = await read.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                changes.Add((new HourAllocated(
                    r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetDecimal(2), r.GetDecimal(3),
                    r.GetString(4), r.GetString(5), r.GetFieldValue<DateTimeOffset>(6)), r.GetString(7)));
            }
        }

        if (changes.Count == 0)
        {
            return 0;
        }

        await bus.PublishBatch(changes.Select(c => c.Message), ct);
        var (last, lastTx) = changes[^1];
        await using (var advance = new NpgsqlCommand($"update {_cursors} set last_tx = $2::xid8, last_id = $3, updated_at = now() where consumer = $1", conn, tx))
        {
            advance.Parameters.Add(new NpgsqlParameter { Value = Consumer });
            advance.Parameters.Add(new NpgsqlParameter { Value = lastTx });
            advance.Parameters.Add(new NpgsqlParameter { Value = last.ChangeId });
            await advance.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        LogRelayed(log, changes.Count, last.ChangeId);
        return changes.Count;
    }

    private async Task EnsureCursorAsync(CancellationToken ct)
    {
        if (_created)
        {
            return;
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var create = new NpgsqlCommand($"""
            select pg_advisory_xact_lock(hashtext('{_cursors}'));
            create schema if not exists {ledger.Schema};
            create table if not exists {_cursors} (
                consumer text primary key,
                last_tx xid8 not null,
                last_id bigint not null,
                updated_at timestamptz not null default now());
            insert into {_cursors} (consumer, last_tx, last_id) values ('{Consumer}', '0', 0) on conflict do nothing;
            """, conn, tx))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        _created = true;
    }

    [LoggerMessage(LogLevel.Information, "Relayed {Changes} hour change(s) up to {ChangeId}")]
    private static partial void LogRelayed(ILogger logger, int changes, long changeId);

    [LoggerMessage(LogLevel.Warning, "Could not relay the hour changes of {Table}; trying again in {Delay}")]
    private static partial void LogFailed(ILogger logger, Exception e, string table, TimeSpan delay);

    [LoggerMessage(LogLevel.Information, "Hour change relay stopped")]
    private static partial void LogStopped(ILogger logger);
}
