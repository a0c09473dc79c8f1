using System.CommandLine;
using Confluent.Kafka;
using Npgsql;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.Cli.Infrastructure;

/// <summary>
/// The <c>--postgres</c> / <c>--kafka</c> options every infrastructure command shares, their
/// environment-variable fallbacks, and connection checks that fail with a message a person can act on.
/// </summary>
public static class Endpoints
{
    // No DefaultValueFactory reading the environment: --help prints an option's default, and a connection string
    // holds a password. Require falls back to the variable instead.
    public static readonly Option<string?> Postgres = new("--postgres")
    {
        Description = "PostgreSQL connection string (default: $TRUECOST_POSTGRES)",
    };

    public static readonly Option<string?> Kafka = new("--kafka")
    {
        Description = "Kafka bootstrap servers (default: $TRUECOST_KAFKA)",
    };

    /// <summary>The option's value, else the environment variable <paramref name="env"/>'s; an error naming both when neither is set.</summary>
    public static string Require(ParseResult parse, Option<string?> option, string env) =>
        (parse.GetValue(option) is { Length: > 0 } value ? value : Environment.GetEnvironmentVariable(env)) is { Length: > 0 } found
            ? found
            : throw new CliException($"{option.Name} is required (or set {env})");

    public static async Task CheckPostgresAsync(string connectionString, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 10 };
        try
        {
            await using var conn = new NpgsqlConnection(builder.ConnectionString);
            await conn.OpenAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or ArgumentException)
        {
            throw new CliException($"cannot connect to PostgreSQL at {builder.Host}:{builder.Port} (database {builder.Database}): {e.Message}");
        }
    }

    public static void CheckKafka(IngestOptions kafka)
    {
        var bootstrapServers = kafka.BootstrapServers;
        try
        {
            using var admin = new AdminClientBuilder(kafka.Client(new AdminClientConfig())).Build();
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            if (metadata.Brokers.Count == 0)
            {
                throw new CliException($"Kafka at {bootstrapServers} answered but reports no brokers");
            }
        }
        catch (KafkaException e)
        {
            throw new CliException($"cannot reach Kafka at {bootstrapServers}: {e.Error.Reason}");
        }
    }

    /// <summary>
    /// A mistyped --topic-prefix would otherwise produce into a topic that the broker auto-creates and no
    /// ingest worker reads: the producing command would report success and the records would never be stored. The
    /// metadata of all topics is asked for because asking for the one topic may auto-create it.
    /// </summary>
    public static void CheckTopic(IngestOptions kafka, string topic)
    {
        using var admin = new AdminClientBuilder(kafka.Client(new AdminClientConfig())).Build();
        try
        {
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
            if (!metadata.Topics.Any(t => t.Topic == topic && !t.Error.IsError))
            {
                throw new CliException($"topic {topic} does not exist on Kafka at {kafka.BootstrapServers}; check --topic-prefix, or create the pipeline's topics first (truecost dev does)");
            }
        }
        catch (KafkaException e)
        {
            throw new CliException($"cannot list the topics of Kafka at {kafka.BootstrapServers}: {e.Error.Reason}");
        }
    }
}

/// <summary>A failure the user can fix; printed without a stack trace, exit code 2.</summary>
public sealed class CliException(string message) : Exception(message);
