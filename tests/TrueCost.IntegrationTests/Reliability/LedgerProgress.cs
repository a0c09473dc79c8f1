using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.IntegrationTests.Reliability;

/// <summary>The newest stored event, how far each of the ledger's projections has applied them, and the hours waiting for allocation.</summary>
public sealed record LedgerProgress(long Newest, IReadOnlyList<(string Shard, long Applied)> Projections, long QueuedHours)
{
    /// <summary>Every projection has applied every stored event (read from their own rows of <c>mt_event_progression</c>).</summary>
    public bool Projected => Projections.Count == LedgerStore.ProjectionShards.Count && Projections.All(p => p.Applied >= Newest);

    /// <summary><see cref="Projected"/>, and no hour waits for allocation.</summary>
    public bool CaughtUp => Projected && QueuedHours == 0;

    public static async Task<LedgerProgress> ReadAsync(FaultedPipeline pipeline)
    {
        var s = pipeline.Ledger.Schema;
        await using var batch = pipeline.DataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"select (select coalesce(max(seq_id), 0) from {s}.mt_events), (select count(*) from {s}.{LedgerTables.AllocationQueue})"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"select name, last_seq_id from {s}.mt_event_progression where name = any($1) order by name")
        {
            Parameters = { new NpgsqlParameter { Value = LedgerStore.ProjectionShards.ToArray() } },
        });
        await using var r = await batch.ExecuteReaderAsync();
        await r.ReadAsync();
        var (newest, queued) = (r.GetInt64(0), r.GetInt64(1));
        await r.NextResultAsync();
        var applied = new List<(string, long)>();
        while (await r.ReadAsync())
        {
            applied.Add((r.GetString(0), r.GetInt64(1)));
        }

        return new LedgerProgress(newest, applied, queued);
    }

    public override string ToString() =>
        $"newest event {Newest}; applied through {string.Join(", ", Projections.Select(p => $"{p.Shard} {p.Applied}"))}; hours queued for allocation {QueuedHours}";
}
