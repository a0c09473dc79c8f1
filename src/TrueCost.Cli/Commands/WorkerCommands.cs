using System.CommandLine;
using Microsoft.Extensions.Hosting;
using TrueCost.Cli.Infrastructure;
using TrueCost.Ingest;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Storage;

namespace TrueCost.Cli.Commands;

/// <summary>
/// The deployables: <c>truecost ingest</c> (scale out by Kafka partitions) and <c>truecost projector</c>
/// (any number of replicas per database: the one holding the leadership lock projects and allocates, the others stand by).
/// </summary>
public static class WorkerCommands
{
    private static readonly Option<int?> BatchSize = new("--batch-size") { Description = "Records per database transaction (default: Ingest:BatchSize, 5000)" };
    private static readonly Option<int?> WriteLanes = new("--write-lanes")
    {
        Description = "Batches per topic stored at once, each from its own share of the partitions (default: Ingest:WriteLanes, 2)",
    };

    private static readonly Option<string?> Group = new("--group") { Description = "Kafka consumer group (default: Ingest:ConsumerGroup, truecost-ingest)" };
    private static readonly Option<bool> WithProjections = new("--with-projections") { Description = "Also run projections and cost allocation in this process (it takes part in the projector leader election)" };
    private static readonly Option<string?> Schema = new("--schema") { Description = "PostgreSQL schema of the ledger (default: Ledger:Schema of the configuration, truecost)" };
    private static readonly Option<string?> TopicPrefix = new("--topic-prefix") { Description = "Prepended to every topic name (several pipelines on one cluster; default: Ingest:TopicPrefix)" };
    private static readonly Option<int?> SessionTimeoutMs = new("--session-timeout-ms")
    {
        Description = "Kafka consumer session timeout: how long the partitions of a worker that died without leaving stay unassigned (default: Ingest:SessionTimeoutMs, 10000)",
    };

    public static Command Ingest()
    {
        var command = new Command("ingest", "Consume the input topics into the event store (runs until stopped)")
        {
            Endpoints.Postgres, Endpoints.Kafka, BatchSize, WriteLanes, Group, TopicPrefix, SessionTimeoutMs, WithProjections, Schema, Settings.OpsUrls,
        };
        command.SetAction((parse, ct) => RunAsync(parse, new PipelineRoles(Ingest: true, Projections: parse.GetValue(WithProjections)), ct));
        return command;
    }

    public static Command Projector()
    {
        var command = new Command("projector", "Run projections and cost allocation; run two or more for failover (one leads, the others stand by)")
        {
            Endpoints.Postgres, Schema, Settings.OpsUrls,
        };
        command.SetAction((parse, ct) => RunAsync(parse, new PipelineRoles(Ingest: false, Projections: true), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, PipelineRoles roles, CancellationToken ct)
    {
        var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
        await Endpoints.CheckPostgresAsync(postgres, ct);
        var settings = Settings.Load(parse).WithSchema(parse.GetValue(Schema)).WithOpsUrls(parse.GetValue(Settings.OpsUrls));
        var ingest = settings.Ingest;
        ingest.BatchSize = parse.GetValue(BatchSize) ?? ingest.BatchSize;
        ingest.WriteLanes = parse.GetValue(WriteLanes) ?? ingest.WriteLanes;
        ingest.ConsumerGroup = parse.GetValue(Group) ?? ingest.ConsumerGroup;
        ingest.TopicPrefix = parse.GetValue(TopicPrefix) ?? ingest.TopicPrefix;
        ingest.SessionTimeoutMs = parse.GetValue(SessionTimeoutMs) ?? ingest.SessionTimeoutMs;
        if (roles.Ingest)
        {
            ingest.BootstrapServers = Endpoints.Require(parse, Endpoints.Kafka, "TRUECOST_KAFKA");
            Endpoints.CheckKafka(ingest);
            try
            {
                ingest.Validate();
            }
            catch (InvalidOperationException e)
            {
                throw new CliException(e.Message);
            }
        }

        var ledger = settings.Ledger;
        var ops = settings.StartOps(roles.Ingest ? "truecost-ingest" : "truecost-projector");
        using var telemetry = ops.Telemetry;
        using var host = PipelineHost.Build(postgres, ingest, ledger, roles, ops: ops);
        await host.RunAsync(ct);
        return 0;
    }
}
