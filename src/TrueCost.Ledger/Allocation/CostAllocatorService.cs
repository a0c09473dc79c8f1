using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.Allocation;

/// <summary>
/// Runs in the projector process: takes queued hours, re-allocates each from the projections, and
/// replaces its cost_hourly rows with an audit entry — dequeue, rows and audit in one transaction.
/// </summary>
public sealed class CostAllocatorService(
    NpgsqlDataSource dataSource,
    LedgerOptions ledger,
    LedgerRulesSource rules,
    ILogger<CostAllocatorService> logger) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await AllocateQueuedAsync(stoppingToken) == 0)
                {
                    await Task.Delay(Idle, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The hours stay queued (the transaction rolled back), so nothing is skipped.
                logger.LogError(e, "Cost allocation failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    /// <summary>Allocates up to one page of queued hours; returns how many were done.</summary>
    public async Task<int> AllocateQueuedAsync(CancellationToken ct)
    {
        var current = await rules.CurrentAsync(ct);
        var policy = current.Policy;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var queued = new List<(DateTimeOffset Hour, string Reason)>();
        await using (var select = new NpgsqlCommand(
            $"select hour, reason from {ledger.Schema}.{LedgerTables.AllocationQueue} order by hour limit 100 for update skip locked", conn, tx))
        await using (var r = await select.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                queued.Add((r.GetFieldValue<DateTimeOffset>(0), r.GetString(1)));
            }
        }

        if (queued.Count > 0)
        {
            // Dequeued first: an hour re-queued while this page runs (a provider invoice's shares moved) stays queued.
            await using var delete = new NpgsqlCommand($"delete from {ledger.Schema}.{LedgerTables.AllocationQueue} where hour = any($1)", conn, tx);
            delete.Parameters.Add(new NpgsqlParameter { Value = queued.Select(q => q.Hour).ToArray() });
            await delete.ExecuteNonQueryAsync(ct);
        }

        var store = new AllocationStore(ledger, current);
        foreach (var (hour, reason) in queued)
        {
            var loaded = await store.LoadAsync(conn, tx, hour, ct);
            var result = HourAllocator.Allocate(loaded.Inputs, policy);
            var previous = await store.SaveAsync(conn, tx, result, loaded, reason, ct);
            if (previous is { } p && p != result.AllocatedTotal)
            {
                logger.LogInformation("Re-allocated {Hour:u}: total {Previous} → {Total} {Currency} ({Reason})", hour, p, result.AllocatedTotal, policy.Currency, reason);
            }
        }

        await tx.CommitAsync(ct);
        return queued.Count;
    }
}
