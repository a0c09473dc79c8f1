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
        var distinct = hours.Distinct().ToArray();
        if (distinct.Length == 0)
        {
            return;
        }

        operations.QueueSqlCommand(
            $"insert into {schema}.{LedgerTables.AllocationQueue} (hour, reason) select h, ? from unnest(?::timestamptz[]) as h on conflict (hour) do update set reason = excluded.reason, queued_at = now()",
            reason,
            distinct);
    }
}
