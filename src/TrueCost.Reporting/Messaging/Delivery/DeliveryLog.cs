using Npgsql;

namespace TrueCost.Reporting.Messaging.Delivery;

/// <summary>A channel to send one message through: its name (the key of its delivery record), where it sends, and the send.</summary>
public sealed record ChannelSend(string Name, string Target, Func<CancellationToken, Task> Send);

/// <summary>A channel that failed to deliver, with the error.</summary>
public sealed record DeliveryFailure(string Channel, string Target, Exception Error);

/// <summary>What one delivery round did: the channels that delivered and those that failed.</summary>
public sealed record DeliveryRound(IReadOnlyList<string> Delivered, IReadOnlyList<DeliveryFailure> Failed);

/// <summary>
/// The record of deliveries of one kind of message (weekly reports, governance alerts): one row per message × channel
/// with its status, attempts and last error, so a redelivered message is sent only to the channels still missing it.
/// The table is created with its store's other tables (<see cref="Ddl"/>); <paramref name="ensureCreated"/> does that.
/// </summary>
public sealed class DeliveryLog(NpgsqlDataSource dataSource, string table, string keyColumn, Func<CancellationToken, Task> ensureCreated)
{
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    /// <summary>The table's DDL, keyed by <paramref name="keyColumn"/> of <paramref name="keyType"/> and the channel.</summary>
    public static string Ddl(string table, string keyColumn, string keyType) => $"""
        create table if not exists {table} (
            {keyColumn} {keyType} not null,
            channel text not null,
            target text not null,
            status text not null,
            attempts int not null,
            last_error text,
            updated_at timestamptz not null default now(),
            primary key ({keyColumn}, channel));
        """;

    public async Task<HashSet<string>> DeliveredChannelsAsync(object key, CancellationToken ct)
    {
        await ensureCreated(ct);
        await using var cmd = dataSource.CreateCommand($"select channel from {table} where {keyColumn} = $1 and status = '{Delivered}'");
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        var channels = new HashSet<string>(StringComparer.Ordinal);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            channels.Add(r.GetString(0));
        }

        return channels;
    }

    /// <summary>
    /// Sends the message through every channel that has not delivered it yet, recording each attempt and counting it in
    /// the delivery metric; a failure does not stop the other channels.
    /// </summary>
    public async Task<DeliveryRound> DeliverAsync(object key, IEnumerable<ChannelSend> channels, CancellationToken ct)
    {
        var already = await DeliveredChannelsAsync(key, ct);
        var delivered = new List<string>();
        var failed = new List<DeliveryFailure>();
        foreach (var channel in channels.Where(c => !already.Contains(c.Name)))
        {
            try
            {
                await channel.Send(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await RecordAsync(key, channel.Name, channel.Target, e.Message, ct);
                ReportingMetrics.Delivery(channel.Name, delivered: false);
                failed.Add(new DeliveryFailure(channel.Name, channel.Target, e));
                continue;
            }

            await RecordAsync(key, channel.Name, channel.Target, error: null, ct);
            ReportingMetrics.Delivery(channel.Name, delivered: true);
            delivered.Add(channel.Name);
        }

        return new DeliveryRound(delivered, failed);
    }

    /// <summary>Counts one delivery attempt of a channel; <paramref name="error"/> is null when it succeeded (the last error is kept).</summary>
    public async Task RecordAsync(object key, string channel, string target, string? error, CancellationToken ct)
    {
        await ensureCreated(ct);
        await using var cmd = dataSource.CreateCommand($"""
            insert into {table} ({keyColumn}, channel, target, status, attempts, last_error) values ($1, $2, $3, $4, 1, $5)
            on conflict ({keyColumn}, channel) do update
            set target = excluded.target, status = excluded.status, attempts = {table}.attempts + 1,
                last_error = coalesce(excluded.last_error, {table}.last_error), updated_at = now()
            """);
        cmd.Parameters.Add(new NpgsqlParameter { Value = key });
        cmd.Parameters.Add(new NpgsqlParameter { Value = channel });
        cmd.Parameters.Add(new NpgsqlParameter { Value = target });
        cmd.Parameters.Add(new NpgsqlParameter { Value = error is null ? Delivered : Failed });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
