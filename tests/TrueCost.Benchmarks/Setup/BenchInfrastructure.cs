using System.Globalization;
using Npgsql;
using TrueCost.Benchmarks.Measurement;
using TrueCost.Contracts;
using TrueCost.DevInfra;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.Benchmarks.Setup;

/// <summary>
/// PostgreSQL and the Kafka-protocol broker for one benchmark run: the servers named by
/// <c>TRUECOST_POSTGRES</c> / <c>TRUECOST_KAFKA</c>, else embedded ones started here. Each stage gets
/// its own database and topic prefix, so no stage sees another's rows or records.
/// </summary>
public sealed class BenchInfrastructure : IAsyncDisposable
{
    private readonly string _run = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);

    private readonly string? _toastCompression;

    private BenchInfrastructure(PostgresServer postgres, KafkaCluster kafka, CpuClock cpu, string? toastCompression)
    {
        Postgres = postgres;
        Kafka = kafka;
        Cpu = cpu;
        _toastCompression = toastCompression;
    }

    public PostgresServer Postgres { get; }

    public KafkaCluster Kafka { get; }

    public CpuClock Cpu { get; }

    /// <param name="toastCompression">
    /// default_toast_compression for every stage database (pglz or lz4), or null for the server's
    /// setting: large values (Marten's batch events) are compressed when stored, small ones are not.
    /// </param>
    public static async Task<BenchInfrastructure> StartAsync(string? toastCompression, CancellationToken ct)
    {
        PostgresServer postgres;
        try
        {
            postgres = await PostgresServer.StartAsync(ct: ct);
        }
        catch (InvalidOperationException e)
        {
            // PostgresServer's messages name the server and what failed; the stack trace adds nothing.
            throw new BenchmarkException(e.Message);
        }

        try
        {
            var kafka = await KafkaCluster.StartAsync(ct: ct);
            return new BenchInfrastructure(postgres, kafka, await CpuClock.ForAsync(postgres.ConnectionString, ct), toastCompression);
        }
        catch (Exception e) when (e is InvalidOperationException or Confluent.Kafka.KafkaException)
        {
            await postgres.DisposeAsync();
            throw new BenchmarkException($"starting the Kafka-protocol broker (or reaching {KafkaCluster.EnvironmentVariable}) failed: {e.Message}");
        }
    }

    public async Task<string> CreateDatabaseAsync(string stage, CancellationToken ct)
    {
        var connectionString = await Postgres.CreateDatabaseAsync($"bench_{stage}_{_run}", ct);
        if (_toastCompression is { } method)
        {
            await using var conn = new NpgsqlConnection(Postgres.ConnectionString);
            await conn.OpenAsync(ct);
            var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
            await using var cmd = new NpgsqlCommand($"alter database \"{database}\" set default_toast_compression = '{method}'", conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        return connectionString;
    }

    /// <summary>
    /// Creates the four native input topics and the two OTLP ones (and their DLQs) under a prefix of this run
    /// and stage; returns the prefix. The request-log and OTLP span topics get <paramref name="partitions"/>.
    /// </summary>
    public async Task<string> CreateTopicsAsync(string stage, int partitions, CancellationToken ct)
    {
        var prefix = $"bench-{_run}-{stage}.";
        var otlp = new IngestOptions().Otlp;
        foreach (var topic in Topics.All.Concat([otlp.SpansTopic, otlp.MetricsTopic]))
        {
            await Kafka.CreateTopicAsync(prefix + topic, topic == Topics.RequestLogs || topic == otlp.SpansTopic ? partitions : 1, ct);
            await Kafka.CreateTopicAsync(prefix + Topics.DeadLetter(topic), 1, ct);
        }

        return prefix;
    }

    /// <summary>One line naming the servers and the settings that bound every figure.</summary>
    public async Task<string> DescribeAsync(CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(Postgres.ConnectionString);
        await conn.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            "select current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), current_setting('shared_buffers'), current_setting('default_toast_compression')",
            conn);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var where = Postgres.IsEmbedded ? "embedded" : $"from {PostgresServer.EnvironmentVariable}";
        return $"PostgreSQL {r.GetString(0)} ({where}; fsync={r.GetString(1)}, synchronous_commit={r.GetString(2)}, shared_buffers={r.GetString(3)}, " +
               $"default_toast_compression={_toastCompression ?? r.GetString(4)}); " +
               $"Kafka: {Kafka.Backend} at {Kafka.BootstrapServers}; {Environment.ProcessorCount} cores";
    }

    public async ValueTask DisposeAsync()
    {
        await Kafka.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}
