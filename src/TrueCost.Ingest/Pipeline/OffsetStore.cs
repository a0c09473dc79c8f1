using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// Consumed Kafka offsets kept in PostgreSQL, written in the same transaction as the events they
/// produced: the database, not the broker, is the source of truth for where a partition resumes.
/// </summary>
public sealed class OffsetStore(NpgsqlDataSource dataSource, LedgerOptions ledger)
{
    private readonly string _table = LedgerTables.QualifiedName(ledger.Schema, LedgerTables.KafkaOffsets);

    /// <summary>Next offset per partition, for seeking on assignment; absent partitions start at the beginning.</summary>
    public async Task<IReadOnlyDictionary<int, long>> LoadAsync(string group, string topic, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"select partition, next_offset from {_table} where consumer_group = $1 and topic = $2");
        cmd.Parameters.Add(new NpgsqlParameter { Value = group });
        cmd.Parameters.Add(new NpgsqlParameter { Value = topic });
        return await ReadAsync(cmd, ct);
    }

    /// <summary>
    /// Locks the partitions' offset rows for the rest of the transaction and returns them, so two
    /// workers that briefly both own a partition during a rebalance cannot both commit the same range.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, long>> LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string group, string topic, int[] partitions, CancellationToken ct)
    {
        await using (var ensure = new NpgsqlCommand(
            $"insert into {_table} (consumer_group, topic, partition, next_offset) select $1, $2, p, 0 from unnest($3::int[]) as p on conflict do nothing", conn, tx))
        {
            ensure.Parameters.Add(new NpgsqlParameter { Value = group });
            ensure.Parameters.Add(new NpgsqlParameter { Value = topic });
            ensure.Parameters.Add(new NpgsqlParameter { Value = partitions });
            await ensure.ExecuteNonQueryAsync(ct);
        }

        await using var select = new NpgsqlCommand(
            $"select partition, next_offset from {_table} where consumer_group = $1 and topic = $2 and partition = any($3) order by partition for update", conn, tx);
        select.Parameters.Add(new NpgsqlParameter { Value = group });
        select.Parameters.Add(new NpgsqlParameter { Value = topic });
        select.Parameters.Add(new NpgsqlParameter { Value = partitions });
        return await ReadAsync(select, ct);
    }

    public async Task SaveAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string group, string topic, IReadOnlyDictionary<int, long> nextOffsets, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"""
            update {_table} o set next_offset = x.n, updated_at = now()
            from unnest($3::int[], $4::bigint[]) as x(p, n)
            where o.consumer_group = $1 and o.topic = $2 and o.partition = x.p
            """, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = group });
        cmd.Parameters.Add(new NpgsqlParameter { Value = topic });
        cmd.Parameters.Add(new NpgsqlParameter { Value = nextOffsets.Keys.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = nextOffsets.Values.ToArray() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<IReadOnlyDictionary<int, long>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var result = new Dictionary<int, long>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetInt32(0)] = reader.GetInt64(1);
        }

        return result;
    }
}
