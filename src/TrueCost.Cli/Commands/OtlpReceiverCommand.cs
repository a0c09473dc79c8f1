using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using TrueCost.Api.Otlp;
using TrueCost.Cli.Infrastructure;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost otlp-receiver</c>: OTLP/HTTP on <c>/v1/traces</c> and <c>/v1/metrics</c>, written to the OTLP
/// topics (<c>Ingest:Otlp:SpansTopic</c>, <c>MetricsTopic</c>) that <c>truecost ingest</c> consumes. Stateless:
/// run as many replicas as the traffic needs, behind any HTTP load balancer.
/// </summary>
public static class OtlpReceiverCommand
{
    private static readonly Option<string> Urls = new("--urls")
    {
        Description = "Addresses to listen on, ';'-separated (OTLP/HTTP's port is 4318; use http://0.0.0.0:4318 to take traffic from other hosts)",
        DefaultValueFactory = _ => $"http://127.0.0.1:{OtlpReceiverHost.DefaultPort}",
    };

    private static readonly Option<string?> TopicPrefix = new("--topic-prefix") { Description = "Prepended to the topic names (default: Ingest:TopicPrefix)" };

    public static Command Create()
    {
        var command = new Command("otlp-receiver", "Receive OTLP/HTTP traces and metrics (protobuf or JSON, gzip) into the OTLP Kafka topics")
        {
            Endpoints.Kafka, Urls, TopicPrefix,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = Settings.Load(parse);
            var ingest = settings.Ingest;
            ingest.BootstrapServers = Endpoints.Require(parse, Endpoints.Kafka, "TRUECOST_KAFKA");
            ingest.TopicPrefix = parse.GetValue(TopicPrefix) ?? ingest.TopicPrefix;
            Endpoints.CheckKafka(ingest);
            foreach (var topic in new[] { ingest.Otlp.SpansTopic, ingest.Otlp.MetricsTopic })
            {
                Endpoints.CheckTopic(ingest, ingest.TopicFor(topic));
            }

            var ops = settings.StartOps("truecost-otlp-receiver");
            using var telemetry = ops.Telemetry;
            WebApplication app;
            try
            {
                app = OtlpReceiverHost.Build(ingest, parse.GetValue(Urls)!.Split(';'), ops);
            }
            catch (InvalidOperationException e)
            {
                throw new CliException($"cannot start the OTLP receiver: {e.Message}");
            }

            await app.StartAsync(ct);
            AnsiConsole.WriteLine($"export TRUECOST_OTLP={string.Join(';', app.Urls)}");
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }
}
