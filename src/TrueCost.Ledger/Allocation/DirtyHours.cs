using Marten;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.Allocation;

/// <summary>
/// Hours whose inputs changed and must be re-allocated. Projections enqueue the hours they touch in
/// the same transaction as their own writes, so a change can never be projected without its hour
/// being re-allocated afterwards.
/// </summary>
public static class DirtyHours
{
    public static void Enqueue(IDocumentOperations operations, string schema, IEnumerable<DateTimeOffset> hours, string reason)
    {
        var distinct = hours.Distinct().Order().ToArray();
        if (distinct.Length == 0)
        {
            return;
        }

        // A projection batch enqueues once per event, each time hours of its own order. Two batches (projections
        // run concurrently) that share hours would deadlock on the queue's rows, and a failed batch stops its
        // shard; so queue writers take one transaction lock first, held to their commit, and wait in turn.
        operations.QueueSqlCommand(
            $"""
            with writer as (select pg_advisory_xact_lock(hashtextextended('{schema}.{LedgerTables.AllocationQueue}', 0)))
            insert into {schema}.{LedgerTables.AllocationQueue} (hour, reason) select h, ? from unnest(?::timestamptz[]) as h, writer
            on conflict (hour) do update set reason = excluded.reason, queued_at = now()
            """,
            reason,
            distinct);
    }
}
