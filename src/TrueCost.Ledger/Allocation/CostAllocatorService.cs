using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.Allocation;

/// <summary>
/// Runs in the projector that leads (<see cref="ProjectorLeadership"/>): takes queued hours, re-allocates each from the
/// projections, and replaces its cost_hourly rows with an audit entry — dequeue, rows and audit in one transaction.
/// An hour whose allocation fails on its own data is quarantined with the error and later hours go on; a failure of
/// the database or of anything else is retried with a growing pause, and after <see cref="FailuresBeforeUnhealthy"/>
/// in a row the allocator reports itself unhealthy (<see cref="Health"/>) while it keeps trying.
/// </summary>
public sealed class CostAllocatorService(
    NpgsqlDataSource dataSource,
    LedgerOptions ledger,
    LedgerRulesSource rules,
    TimeProvider clock,
    ILogger<CostAllocatorService> logger)
{
    /// <summary>Failed rounds in a row after which <see cref="Health"/> says unhealthy (about a minute and a half of backoff).</summary>
    public const int FailuresBeforeUnhealthy = 7;

    private const int PageSize = 100;
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    private int _failures;
    private string? _lastError;

    /// <summary>Whether the last rounds succeeded; with the last error when they did not.</summary>
    public WorkerHealth Health
    {
        get
        {
            var failures = Volatile.Read(ref _failures);
            return new WorkerHealth(failures < FailuresBeforeUnhealthy, failures, failures == 0 ? null : Volatile.Read(ref _lastError));
        }
    }

    /// <summary>Allocates queued hours until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = FirstBackoff;
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var done = await AllocateQueuedAsync(ct);
                Volatile.Write(ref _failures, 0);
                backoff = FirstBackoff;
                wait = done == 0 ? Idle : TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The page's transaction rolled back, so its hours stay queued: nothing is skipped.
                Volatile.Write(ref _lastError, $"{e.GetType().Name}: {e.Message}");
                var failures = Interlocked.Increment(ref _failures);
                if (failures == FailuresBeforeUnhealthy)
                {
                    logger.LogCritical(e, "Cost allocation failed {Failures} times in a row; reporting unhealthy and retrying every {Backoff}", failures, MaxBackoff);
                }
                else
                {
                    logger.LogError(e, "Cost allocation failed ({Failures} in a row); retrying in {Backoff}", failures, backoff);
                }

                wait = backoff;
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }

            // Cancellation during the wait ends the loop at its condition rather than as an exception to the caller.
            await Task.Delay(wait, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Allocates up to one page of queued hours; returns how many left the queue (allocated or quarantined).</summary>
    public async Task<int> AllocateQueuedAsync(CancellationToken ct)
    {
        var current = await rules.CurrentAsync(ct);
        var policy = current.Policy;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var queued = new List<(DateTimeOffset Hour, string Reason)>();
        await using (var select = new NpgsqlCommand(
            $"select hour, reason from {ledger.Schema}.{LedgerTables.AllocationQueue} order by hour limit {PageSize} for update skip locked", conn, tx))
        await using (var r = await select.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                queued.Add((r.GetFieldValue<DateTimeOffset>(0), r.GetString(1)));
            }
        }

        if (queued.Count == 0)
        {
            return 0;
        }

        // Dequeued first: an hour re-queued while this page runs (a provider invoice's shares moved) stays queued.
        await using (var delete = new NpgsqlCommand($"delete from {ledger.Schema}.{LedgerTables.AllocationQueue} where hour = any($1)", conn, tx))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = queued.Select(q => q.Hour).ToArray() });
            await delete.ExecuteNonQueryAsync(ct);
        }

        var store = new AllocationStore(ledger, current, clock);
        var allocated = new List<DateTimeOffset>(queued.Count);
        foreach (var (hour, reason) in queued)
        {
            await tx.SaveAsync("hour", ct);
            try
            {
                var loaded = await store.LoadAsync(conn, tx, hour, ct);
                var result = HourAllocator.Allocate(loaded.Inputs, policy);
                var previous = await store.SaveAsync(conn, tx, result, loaded, reason, ct);
                allocated.Add(hour);
                if (previous is { } p && p != result.AllocatedTotal)
                {
                    logger.LogInformation("Re-allocated {Hour:u}: total {Previous} → {Total} {Currency} ({Reason})", hour, p, result.AllocatedTotal, policy.Currency, reason);
                }
            }
            catch (Exception e) when (IsFailureOfTheHour(e))
            {
                await tx.RollbackAsync("hour", ct);
                await QuarantineAsync(conn, tx, hour, reason, e, ct);
                logger.LogError(e, "Hour {Hour:u} could not be allocated ({Reason}); quarantined in {Table}, later hours go on", hour, reason, LedgerTables.AllocationQuarantine);
            }
        }

        if (allocated.Count > 0)
        {
            await using var release = new NpgsqlCommand($"delete from {ledger.Schema}.{LedgerTables.AllocationQuarantine} where hour = any($1)", conn, tx);
            release.Parameters.Add(new NpgsqlParameter { Value = allocated.ToArray() });
            await release.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return queued.Count;
    }

    /// <summary>
    /// An error of the hour's own data or rules (a value out of range, a rule that cannot apply), as opposed to the
    /// database going away or the process stopping, which fail the whole page and are retried.
    /// </summary>
    internal static bool IsFailureOfTheHour(Exception e) => e switch
    {
        OperationCanceledException or TimeoutException or SocketException or IOException => false,
        PostgresException p => !p.IsTransient,
        NpgsqlException => false,
        _ => true,
    };

    private async Task QuarantineAsync(NpgsqlConnection conn, NpgsqlTransaction tx, DateTimeOffset hour, string reason, Exception e, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            insert into {ledger.Schema}.{LedgerTables.AllocationQuarantine} (hour, reason, error, attempts) values ($1, $2, $3, 1)
            on conflict (hour) do update set reason = excluded.reason, error = excluded.error,
                attempts = {LedgerTables.AllocationQuarantine}.attempts + 1, last_failed_at = now()
            """, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = hour });
        cmd.Parameters.Add(new NpgsqlParameter { Value = reason });
        cmd.Parameters.Add(new NpgsqlParameter { Value = $"{e.GetType().Name}: {e.Message}" });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>A worker loop's health: unhealthy after repeated failures in a row, with the last error.</summary>
public sealed record WorkerHealth(bool Healthy, int ConsecutiveFailures, string? LastError);
