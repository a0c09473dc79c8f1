using System.CommandLine;
using Microsoft.Extensions.Hosting;
using TrueCost.Cli.Infrastructure;
using TrueCost.Ingest;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Storage;

namespace TrueCost.Cli.Commands;

/// <summary>
/// The deployables: <c>truecost ingest</c> (scale out by Kafka partitions) and <c>truecost projector</c>
/// (exactly one replica per database: the projection daemon runs in Solo mode).
/// </summary>
public static class WorkerCommands
{
    private static readonly Option<int> BatchSize = new("--batch-size") { Description = "Records per database transaction", DefaultValueFactory = _ => 5000 };
    private static readonly Option<int> WriteLanes = new("--write-lanes")
    {
        Description = "Batches per topic stored at once, each from its own share of the partitions",
        DefaultValueFactory = _ => new IngestOptions().WriteLanes,
    };

    private static readonly Option<string> Group = new("--group") { Description = "Kafka consumer group", DefaultValueFactory = _ => "truecost-ingest" };
    private static readonly Option<bool> WithProjections = new("--with-projections") { Description = "Also run the projection daemon in this process (only one process per database may)" };
    private static readonly Option<string?> Schema = new("--schema") { Description = "PostgreSQL schema of the ledger (default: Ledger:Schema of the configuration, truecost)" };
    private static readonly Option<string> TopicPrefix = new("--topic-prefix") { Description = "Prepended to every topic name (several pipelines on one cluster)", DefaultValueFactory = _ => string.Empty };
    private static readonly Option<int> SessionTimeoutMs = new("--session-timeout-ms")
    {
        Description = "Kafka consumer session timeout: how long the partitions of a worker that died without leaving stay unassigned",
        DefaultValueFactory = _ => new IngestOptions().SessionTimeoutMs,
        Validators =
        {
            // The worker heartbeats at least every second, and a session must outlast a few heartbeats.
            r => { if (r.GetValueOrDefault<int>() is < 2000 or > 300_000) { r.AddError("--session-timeout-ms must be within 2000..300000"); } },
        },
    };

    public static Command Ingest()
    {
        var command = new Command("ingest", "Consume the input topics into the event store (runs until stopped)")
        {
            Endpoints.Postgres, Endpoints.Kafka, BatchSize, WriteLanes, Group, TopicPrefix, SessionTimeoutMs, WithProjections, Schema,
        };
        command.SetAction((parse, ct) => RunAsync(parse, new PipelineRoles(Ingest: true, Projections: parse.GetValue(WithProjections)), ct));
        return command;
    }

    public static Command Projector()
    {
        var command = new Command("projector", "Run the projection daemon (exactly one replica per database)")
        {
            Endpoints.Postgres, Schema,
        };
        command.SetAction((parse, ct) => RunAsync(parse, new PipelineRoles(Ingest: false, Projections: true), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, PipelineRoles roles, CancellationToken ct)
    {
        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
        await Endpoints.CheckPostgresAsync(postgres, ct);
        var ingest = new IngestOptions
        {
            BatchSize = parse.GetValue(BatchSize),
            WriteLanes = parse.GetValue(WriteLanes),
            ConsumerGroup = parse.GetValue(Group)!,
            TopicPrefix = parse.GetValue(TopicPrefix)!,
            SessionTimeoutMs = parse.GetValue(SessionTimeoutMs),
        };
        if (roles.Ingest)
        {
            ingest.BootstrapServers = Endpoints.Require(parse, Endpoints.Kafka, "TRUECOST_KAFKA");
            Endpoints.CheckKafka(ingest.BootstrapServers);
        }

        var ledger = Settings.Load(parse).WithSchema(parse.GetValue(Schema)).Ledger;
        using var host = PipelineHost.Build(postgres, ingest, ledger, roles);
        await host.RunAsync(ct);
        return 0;
    }
}
