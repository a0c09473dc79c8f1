using System.IO.Hashing;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Marten;
using Marten.Services;
using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// Stores one batch of consumed records in a single PostgreSQL transaction: the accepted records'
/// ids (dedupe), the state of the source's cross-record rules, their events (Marten), and the
/// partitions' next offsets. Rejected records are dead-lettered before the commit. Either all of
/// it happens or none of it does. Ids are claimed in the partition of the current week of
/// <c>ingested_records</c> and checked against the earlier weeks still kept (the dedupe window), in the
/// same statement. Two copies of one id in batches that run at the same moment on either side of a week's
/// start can both be stored (neither sees the other's uncommitted claim); a resent copy normally comes
/// through its original's Kafka partition, whose batches are written one after another.
/// </summary>
public sealed class IngestBatchWriter<TRecord>(
    IIngestSource<TRecord> source,
    IDocumentStore store,
    NpgsqlDataSource dataSource,
    OffsetStore offsets,
    DeadLetterPublisher deadLetters,
    IngestOptions options,
    LedgerOptions ledger,
    TimeProvider clock,
    IEnumerable<ICrossRecordRule<TRecord>> rules)
    where TRecord : class
{
    private const string ClaimSavepoint = "claim_ids";

    private readonly string _ingested = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.IngestedRecords);
    private readonly ICrossRecordRule<TRecord>[] _rules = [.. rules];

    /// <param name="batch">The records, as consumed.</param>
    /// <param name="logStart">A partition's log start offset (its oldest record still on the broker), asked only when
    /// the batch starts past the committed offset.</param>
    /// <param name="ct">Cancels the write; nothing is committed then.</param>
    public async Task<BatchOutcome> WriteAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> batch, Func<int, long> logStart, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var partitions = batch.Select(m => m.Partition.Value).Distinct().Order().ToArray();
        var committed = await offsets.LockAsync(conn, tx, options.GroupFor(source.Topic), source.Topic, partitions, ct);
        var fresh = batch.Where(m => m.Offset.Value >= committed.GetValueOrDefault(m.Partition.Value)).ToList();
        if (fresh.Count == 0)
        {
            await tx.RollbackAsync(ct);
            return new BatchOutcome(0, 0, 0, batch.Count, 0);
        }

        var gaps = fresh.GroupBy(m => m.Partition.Value).Sum(p => LostToRetention(p.Key, p.Min(m => m.Offset.Value), committed.GetValueOrDefault(p.Key), logStart));
        var (candidates, repeats, rejected, ignored) = Screen(fresh);
        var week = LedgerTables.IngestedRecordsByWeek.PeriodOf(clock.GetUtcNow());
        var (stored, duplicates) = await ClaimInRoundsAsync(conn, tx, candidates, repeats, rejected, week, ct);

        await using (var session = store.LightweightSession(SessionOptions.ForTransaction(tx)))
        {
            foreach (var partition in stored.GroupBy(c => c.Message.Partition.Value))
            {
                var range = new SourceRange(source.Topic, partition.Key, partition.Min(c => c.Message.Offset.Value), partition.Max(c => c.Message.Offset.Value));
                foreach (var e in source.ToEvents(range, [.. partition.Select(c => c.Record)]))
                {
                    session.Events.Append(e.StreamKey, e.Event);
                }
            }

            await session.SaveChangesAsync(ct);
        }

        var next = fresh.GroupBy(m => m.Partition.Value).ToDictionary(g => g.Key, g => g.Max(m => m.Offset.Value) + 1);
        await offsets.SaveAsync(conn, tx, options.GroupFor(source.Topic), source.Topic, next, ct);
        await deadLetters.PublishAsync(source.Topic, rejected, ct);
        await tx.CommitAsync(ct);
        return new BatchOutcome(stored.Count, duplicates, rejected.Count, batch.Count - fresh.Count, gaps, ignored);
    }

    /// <summary>
    /// Dead-letters one record that PostgreSQL refused to store (after the batch around it was
    /// split down to it) and commits its offset, in one transaction, so the topic moves on.
    /// </summary>
    public async Task<BatchOutcome> RefuseAsync(ConsumeResult<byte[]?, byte[]?> message, string reason, Func<int, long> logStart, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var partition = message.Partition.Value;
        var committed = await offsets.LockAsync(conn, tx, options.GroupFor(source.Topic), source.Topic, [partition], ct);
        var from = committed.GetValueOrDefault(partition);
        if (message.Offset.Value < from)
        {
            await tx.RollbackAsync(ct);
            return new BatchOutcome(0, 0, 0, 1, 0);
        }

        await offsets.SaveAsync(conn, tx, options.GroupFor(source.Topic), source.Topic, new Dictionary<int, long> { [partition] = message.Offset.Value + 1 }, ct);
        await deadLetters.PublishAsync(source.Topic, [new Rejected(message, reason)], ct);
        await tx.CommitAsync(ct);
        return new BatchOutcome(0, 0, 1, 0, LostToRetention(partition, message.Offset.Value, from, logStart));
    }

    /// <summary>
    /// Offsets between the committed position and the first record received that the broker no longer holds (below the
    /// partition's log start) were removed by retention before they could be ingested: that loss is counted and
    /// reported, never hidden. Offsets skipped above the log start are no loss: a transactional producer's commit and
    /// abort markers take an offset each, and a read-committed consumer skips aborted records.
    /// </summary>
    private static long LostToRetention(int partition, long firstReceived, long committed, Func<int, long> logStart) =>
        firstReceived > committed ? Math.Max(0, Math.Min(firstReceived, logStart(partition)) - committed) : 0;

    /// <summary>
    /// Reads the records of each message; each id's first record is a candidate, and a later record with
    /// an id already seen in the batch is a repeat, settled by <see cref="ClaimInRoundsAsync"/>.
    /// </summary>
    private (List<Candidate> Candidates, List<Candidate> Repeats, List<Rejected> Rejected, int Ignored) Screen(List<ConsumeResult<byte[]?, byte[]?>> fresh)
    {
        var candidates = new List<Candidate>(fresh.Count);
        var repeats = new List<Candidate>();
        var rejected = new List<Rejected>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var read = new List<SourceRecord<TRecord>>();
        var ignored = 0;
        foreach (var message in fresh)
        {
            var value = message.Message.Value ?? [];
            read.Clear();
            source.Read(value, read);
            foreach (var r in read)
            {
                if (r.Record is null)
                {
                    if (r.Refusal is { } refusal)
                    {
                        // Typed null: a bare null would convert through byte[] to an empty ReadOnlyMemory, and the whole message would be dead-lettered empty.
                        rejected.Add(new Rejected(message, refusal, IsWhole(r.Content, value) ? (ReadOnlyMemory<byte>?)null : r.Content));
                    }
                    else
                    {
                        ignored++;
                    }

                    continue;
                }

                var candidate = new Candidate(message, r.Record, source.RecordId(r.Record), ContentHash(r.Content.Span));
                (seen.Add(candidate.Id) ? candidates : repeats).Add(candidate);
            }
        }

        return (candidates, repeats, rejected, ignored);
    }

    private static bool IsWhole(ReadOnlyMemory<byte> content, byte[] message) =>
        MemoryMarshal.TryGetArray(content, out var segment) && segment.Array == message && segment.Count == message.Length;

    /// <summary>
    /// Claims the candidates' ids and applies the rules, in rounds: when a rule rejects a record,
    /// the next record of the batch with that id (a correction sent right behind it) is claimed in
    /// the next round, as if it had come in a later batch. A repeat left over at the end is a
    /// duplicate of the record stored with its id when the content is the same, and is rejected
    /// when it differs. Returns the stored records in offset order.
    /// </summary>
    private async Task<(List<Candidate> Stored, int Duplicates)> ClaimInRoundsAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, List<Candidate> candidates, List<Candidate> repeats, List<Rejected> rejected, DateTimeOffset week, CancellationToken ct)
    {
        var stored = new List<Candidate>(candidates.Count);
        var taken = new Dictionary<string, long>(StringComparer.Ordinal);
        var duplicates = 0;
        var rounds = 0;
        while (candidates.Count > 0)
        {
            rounds++;
            var (claimed, known) = await DedupeAsync(conn, tx, candidates, rejected, week, ct);
            duplicates += known.Duplicates;
            foreach (var (id, hash) in known.Hashes)
            {
                taken[id] = hash;
            }

            var (passed, refused) = await ApplyRulesAsync(conn, tx, claimed, rejected, week, ct);
            stored.AddRange(passed);
            if (repeats.Count == 0 || refused.Count == 0)
            {
                break;
            }

            candidates = [];
            var later = new List<Candidate>();
            foreach (var r in repeats)
            {
                (refused.Remove(r.Id) ? candidates : later).Add(r);
            }

            repeats = later;
        }

        foreach (var c in repeats.Count > 0 ? stored : [])
        {
            taken[c.Id] = c.Hash;
        }

        foreach (var r in repeats)
        {
            if (taken.TryGetValue(r.Id, out var hash) && hash == r.Hash)
            {
                duplicates++;
            }
            else
            {
                rejected.Add(new Rejected(r.Message, DifferentContent(r.Id)));
            }
        }

        if (rounds > 1)
        {
            stored.Sort((a, b) => a.Message.Offset.Value.CompareTo(b.Message.Offset.Value));
        }

        return (stored, duplicates);
    }

    /// <summary>
    /// Claims the candidates' ids in this week's partition; ids stored by an earlier batch (in any week of the window)
    /// are duplicates, or rejected when their content differs. Also returns the stored content hash of every id found taken.
    /// </summary>
    private async Task<(List<Candidate> Claimed, (int Duplicates, Dictionary<string, long> Hashes) Known)> DedupeAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, List<Candidate> candidates, List<Rejected> rejected, DateTimeOffset week, CancellationToken ct)
    {
        // Sorted ids take unique-index locks in one order, so concurrent batches cannot deadlock.
        var ordered = candidates.OrderBy(c => c.Id, StringComparer.Ordinal).ToArray();
        if (await ClaimAllAsync(conn, tx, ordered, week, ct))
        {
            return (candidates, (0, []));
        }

        var claimed = await ClaimNewAsync(conn, tx, ordered, week, ct);
        var known = await KnownHashesAsync(conn, tx, [.. candidates.Where(c => !claimed.Contains(c.Id)).Select(c => c.Id)], ct);
        var duplicates = 0;
        foreach (var c in candidates.Where(c => !claimed.Contains(c.Id)))
        {
            if (known.GetValueOrDefault(c.Id) == c.Hash)
            {
                duplicates++;
            }
            else
            {
                rejected.Add(new Rejected(c.Message, DifferentContent(c.Id)));
            }
        }

        return ([.. candidates.Where(c => claimed.Contains(c.Id))], (duplicates, known));
    }

    /// <summary>
    /// The common case, no id seen before: a plain insert of every id. It costs PostgreSQL about half
    /// of what <c>on conflict do nothing returning</c> does (no separate conflict probe per row, no
    /// ids sent back). A unique violation, or fewer rows inserted than ids (some are stored in another
    /// week), rolls back to the savepoint and returns false.
    /// </summary>
    private async Task<bool> ClaimAllAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Candidate[] ordered, DateTimeOffset week, CancellationToken ct)
    {
        await tx.SaveAsync(ClaimSavepoint, ct);
        try
        {
            await using var insert = Insert(conn, tx, ordered, week, onConflict: string.Empty);
            if (await insert.ExecuteNonQueryAsync(ct) < ordered.Length)
            {
                await tx.RollbackAsync(ClaimSavepoint, ct);
                return false;
            }

            await tx.ReleaseAsync(ClaimSavepoint, ct);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await tx.RollbackAsync(ClaimSavepoint, ct);
            return false;
        }
    }

    private async Task<HashSet<string>> ClaimNewAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Candidate[] ordered, DateTimeOffset week, CancellationToken ct)
    {
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        await using var insert = Insert(conn, tx, ordered, week, onConflict: " on conflict do nothing returning record_id");
        await using var reader = await insert.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            claimed.Add(reader.GetString(0));
        }

        return claimed;
    }

    /// <summary>
    /// The one statement that claims ids: the primary key makes an id unique within this week's partition only, so the
    /// insert also skips ids stored in the earlier weeks still kept (one index probe per id and earlier week; the
    /// planner prunes the other partitions).
    /// </summary>
    private NpgsqlCommand Insert(NpgsqlConnection conn, NpgsqlTransaction tx, Candidate[] ordered, DateTimeOffset week, string onConflict)
    {
        var insert = new NpgsqlCommand($"""
            insert into {_ingested} (kind, record_id, content_hash, claimed_in)
            select $1, id, h, $4 from unnest($2::text[], $3::bigint[]) as x(id, h)
            where not exists (select from {_ingested} r where r.kind = $1 and r.record_id = x.id and r.claimed_in < $4){onConflict}
            """, conn, tx);
        insert.Parameters.Add(new NpgsqlParameter { Value = source.Kind });
        insert.Parameters.Add(new NpgsqlParameter { Value = ordered.Select(c => c.Id).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = ordered.Select(c => c.Hash).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = week });
        return insert;
    }

    /// <summary>
    /// Runs the cross-record rules over the claimed records in offset order. A record a rule rejects
    /// gives its id back, so a corrected record resent with the same id is stored later; those ids
    /// are returned beside the records that passed.
    /// </summary>
    private async Task<(List<Candidate> Passed, HashSet<string> Released)> ApplyRulesAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, List<Candidate> claimed, List<Rejected> rejected, DateTimeOffset week, CancellationToken ct)
    {
        var passing = claimed;
        var releasedIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in _rules)
        {
            if (passing.Count == 0)
            {
                break;
            }

            var reasons = await rule.ApplyAsync(conn, tx, [.. passing.Select(c => c.Record)], ct);
            var next = new List<Candidate>(passing.Count);
            var released = new List<string>();
            for (var i = 0; i < passing.Count; i++)
            {
                if (reasons[i] is { } reason)
                {
                    rejected.Add(new Rejected(passing[i].Message, reason));
                    released.Add(passing[i].Id);
                }
                else
                {
                    next.Add(passing[i]);
                }
            }

            await ReleaseAsync(conn, tx, [.. released], week, ct);
            releasedIds.UnionWith(released);
            passing = next;
        }

        return (passing, releasedIds);
    }

    /// <summary>Gives back ids this batch claimed in <paramref name="week"/>.</summary>
    private async Task ReleaseAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string[] ids, DateTimeOffset week, CancellationToken ct)
    {
        if (ids.Length == 0)
        {
            return;
        }

        await using var delete = new NpgsqlCommand($"delete from {_ingested} where kind = $1 and record_id = any($2) and claimed_in = $3", conn, tx);
        delete.Parameters.Add(new NpgsqlParameter { Value = source.Kind });
        delete.Parameters.Add(new NpgsqlParameter { Value = ids });
        delete.Parameters.Add(new NpgsqlParameter { Value = week });
        await delete.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The stored content hash of each id that is taken, in any week kept.</summary>
    private async Task<Dictionary<string, long>> KnownHashesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string[] ids, CancellationToken ct)
    {
        await using var select = new NpgsqlCommand(
            $"select record_id, content_hash from {_ingested} where kind = $1 and record_id = any($2)", conn, tx);
        select.Parameters.Add(new NpgsqlParameter { Value = source.Kind });
        select.Parameters.Add(new NpgsqlParameter { Value = ids });
        var known = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await select.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            known[reader.GetString(0)] = reader.GetInt64(1);
        }

        return known;
    }

    private static string DifferentContent(string id) =>
        $"duplicate id {id} with different content: an earlier record with this id was stored and is kept";

    /// <summary>
    /// Tells a resent copy from a different record reusing an id. It guards against accidents, not
    /// attackers, so a fast 64-bit hash serves (SHA-256 cost a fifth of the worker's parse time).
    /// </summary>
    private static long ContentHash(ReadOnlySpan<byte> value) => unchecked((long)XxHash3.HashToUInt64(value));

    private sealed record Candidate(ConsumeResult<byte[]?, byte[]?> Message, TRecord Record, string Id, long Hash);
}
