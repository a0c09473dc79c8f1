using System.CommandLine;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Spectre.Console;
using TrueCost.Api;
using TrueCost.Api.Otlp;
using TrueCost.Cli.Infrastructure;
using TrueCost.Contracts;
using TrueCost.DevInfra;
using TrueCost.Ingest;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Governance;
using TrueCost.Reporting.Messaging;
using TrueCost.ServiceDefaults;
using TrueCost.Synthetic;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost dev</c>: the embedded infrastructure plus ingest, projections, allocation and the
/// query API, left running so a person can point kcat, psql and curl at it.
/// </summary>
public static class DevCommand
{
    private static readonly Option<int> KafkaPort = new("--kafka-port") { Description = "Stable local port forwarded to the embedded broker", DefaultValueFactory = _ => 19092 };
    private static readonly Option<int> ApiPort = new("--api-port") { Description = "Port of the query API on 127.0.0.1", DefaultValueFactory = _ => 8080 };
    private static readonly Option<int> OtlpPort = new("--otlp-port") { Description = "Port of the OTLP/HTTP receiver on 127.0.0.1", DefaultValueFactory = _ => OtlpReceiverHost.DefaultPort };
    private static readonly Option<int> OpsPort = new("--ops-port")
    {
        Description = "Port on 127.0.0.1 of the workers' /healthz, /readyz and of /metrics for the whole dev process",
        DefaultValueFactory = _ => 9464,
    };

    /// <summary>The name of the key dev makes for its session, beside those of Api:Keys.</summary>
    private const string DevKeyName = "dev-session";

    private static readonly Option<bool> DemoData = new("--demo-data")
    {
        Description = $"Also produce the demo's synthetic history into the topics ({SyntheticHistory.DefaultWeeks} weeks ending on --demo-day, 100,000 requests, injected anomalies)",
    };
    private static readonly Option<DateOnly> DemoDay = new("--demo-day")
    {
        Description = "Last UTC day of the --demo-data history (default: yesterday, so budgets, forecasts and alerts of the current period have data)",
        DefaultValueFactory = _ => DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1),
    };
    private static readonly Option<bool> InfraOnly = new("--infra-only")
    {
        Description = "Start only PostgreSQL and the Kafka-protocol broker (with the topics) and print their export lines, to run `truecost ingest` and `truecost projector` as processes of their own",
    };

    public static Command Create()
    {
        var command = new Command("dev", "Start embedded PostgreSQL, a Kafka-protocol broker, the workers and the API; run until Ctrl-C") { KafkaPort, ApiPort, OtlpPort, OpsPort, DemoData, DemoDay, InfraOnly };
        command.SetAction((parse, ct) =>
        {
            var settings = Settings.Load(parse);
            var ports = new Ports(parse.GetValue(KafkaPort), parse.GetValue(ApiPort), parse.GetValue(OtlpPort), parse.GetValue(OpsPort));
            return parse.GetValue(InfraOnly) ? RunInfraAsync(settings, ports, ct) : RunAsync(settings, ports, parse.GetValue(DemoData) ? parse.GetValue(DemoDay) : null, ct);
        });
        return command;
    }

    /// <param name="demoDay">The last day of the demo's synthetic history to produce; null: none.</param>
    private static async Task<int> RunAsync(Settings settings, Ports ports, DateOnly? demoDay, CancellationToken ct)
    {
        await using var postgres = await PostgresServer.StartAsync(new PostgresServerOptions { UseExternal = false }, ct: ct);
        await using var kafka = await KafkaCluster.StartAsync(new KafkaClusterOptions { FixedBootstrapPort = ports.Kafka, UseExternal = false }, ct: ct);
        await TopicSetup.CreateAllAsync(kafka, partitions: 12, settings.Ingest, ct);
        var ledger = settings.Ledger;
        var ingest = settings.Ingest;
        ingest.BootstrapServers = kafka.BootstrapServers;

        // One telemetry for the whole process: the workers' ops listener, the API and the receiver all serve it.
        var ops = settings.WithOpsUrls($"http://127.0.0.1:{ports.Ops}").StartOps("truecost-dev");
        using var telemetry = ops.Telemetry;
        using var host = PipelineHost.Build(postgres.ConnectionString, ingest, ledger, new PipelineRoles(Ingest: true, Projections: true), ops: ops);
        await host.StartAsync(ct);

        // A fresh key per run beside the configured ones (Api:Keys, tenant keys among them): only its hash is kept, the key
        // itself is printed once.
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var apiOptions = ApiOptions.Bind(settings.Configuration);
        var configuredKeys = apiOptions.Keys.Count;
        apiOptions.Keys.Add(new ApiKey { Name = DevKeyName, KeyHash = ApiKey.HashOf(key) });
        var api = ApiHost.Build(postgres.ConnectionString, apiOptions, [$"http://127.0.0.1:{ports.Api}"], ledger, ops, settings.Governance, settings.Findings);
        await api.StartAsync(ct);
        using var reporting = EmbeddedReporting(settings, postgres.ConnectionString);
        await reporting.StartAsync(ct);
        var otlp = OtlpReceiverHost.Build(ingest, [$"http://127.0.0.1:{ports.Otlp}"], ops);
        await otlp.StartAsync(ct);

        AnsiConsole.MarkupLine("[bold green]TrueCost dev environment is up[/] (Ctrl-C to stop)");
        PrintInfrastructure(postgres, kafka);
        AnsiConsole.WriteLine($"export TRUECOST_API=http://127.0.0.1:{ports.Api} TRUECOST_API_KEY={key}");
        if (configuredKeys > 0)
        {
            AnsiConsole.MarkupLine($"  api keys: {DevKeyName} (above) and the {configuredKeys} of Api:Keys in {Markup.Escape(settings.Source ?? "the environment")}");
        }

        AnsiConsole.MarkupLine($"  [bold]cost explorer:[/] open http://127.0.0.1:{ports.Api}/ui/ and sign in with the TRUECOST_API_KEY above");
        AnsiConsole.WriteLine($"export TRUECOST_OTLP=http://127.0.0.1:{ports.Otlp}");
        AnsiConsole.WriteLine($"export TRUECOST_METRICS=http://127.0.0.1:{ports.Ops}{OpsEndpoints.MetricsPath}");
        AnsiConsole.MarkupLine($"  topics: {string.Join(", ", Topics.All)}, {ingest.Otlp.SpansTopic}, {ingest.Otlp.MetricsTopic}, {ingest.LiteLlm.Topic} (+ .dlq)");
        AnsiConsole.MarkupLine("  OTLP:    OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_EXPORTER_OTLP_ENDPOINT=$TRUECOST_OTLP (spans to /v1/traces, metrics to /v1/metrics)");
        AnsiConsole.MarkupLine($"  produce: kcat -P -b {kafka.BootstrapServers.Split(',')[0]} -t {Topics.RequestLogs} file.jsonl");
        AnsiConsole.MarkupLine($"  query:   psql \"$TRUECOST_PG_URL\" -c 'select * from {ledger.Schema}.cost_hourly limit 10'");
        var governance = settings.Governance;
        AnsiConsole.MarkupLine($"  alerts:  {governance.Budgets.Count} budget(s), anomaly alerts {(governance.Alerts.AnomalyAlerts ? "on" : "off")}, evaluated every {governance.Alerts.EvaluationInterval}, " +
            $"to {governance.Alerts.Webhooks.Count} webhook(s){(governance.Alerts.Email is null ? string.Empty : " and e-mail")} and GET $TRUECOST_API/v1/alerts");
        if (demoDay is { } day)
        {
            var history = new SyntheticHistory(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), SyntheticHistory.DefaultWeeks, 100_000);
            var records = history.Generate().ToList();
            await Task.Run(() => SyntheticProducer.Produce(kafka.BootstrapServers, records, _ => { }), ct);
            AnsiConsole.MarkupLine($"  produced the synthetic history {history.Calendar.Start:yyyy-MM-dd} – {history.Calendar.LastDay:yyyy-MM-dd} ({records.Count:N0} records); it is ingested and allocated within a minute");
            foreach (var a in history.Anomalies.Describe())
            {
                AnsiConsole.MarkupLine($"  injected {Markup.Escape(a.Kind)}: {Markup.Escape(a.Series)} from {a.Start:yyyy-MM-dd HH:00} for {a.Hours} h, {Markup.Escape(a.Size)}");
            }
        }

        await host.WaitForShutdownAsync(ct);
        await reporting.StopAsync(CancellationToken.None);
        await otlp.StopAsync(CancellationToken.None);
        await api.StopAsync(CancellationToken.None);
        return 0;
    }

    /// <summary>
    /// The reporting worker on the in-memory bus: the restatement relay, and the governance evaluator sending budget and
    /// anomaly alerts to the channels of Governance:Alerts. No weekly schedule: `truecost report` writes one on demand.
    /// </summary>
    private static IHost EmbeddedReporting(Settings settings, string postgres)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.AddFilter("MassTransit", LogLevel.Warning);
        builder.Services.AddSingleton(settings.Ledger);
        builder.Services.AddSingleton(settings.Findings);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
        builder.Services.AddGovernanceAlerts(settings.Governance);
        builder.Services.AddReportingBus(
            new ReportingBusOptions { Transport = ReportingTransport.InMemory, Schedule = new ScheduleOptions { Enabled = false } },
            bus => bus.AddGovernanceConsumers());
        return builder.Build();
    }

    /// <summary>Only the infrastructure: the workers run as processes of their own against it (failover drills, debugging one worker).</summary>
    private static async Task<int> RunInfraAsync(Settings settings, Ports ports, CancellationToken ct)
    {
        await using var postgres = await PostgresServer.StartAsync(new PostgresServerOptions { UseExternal = false }, ct: ct);
        await using var kafka = await KafkaCluster.StartAsync(new KafkaClusterOptions { FixedBootstrapPort = ports.Kafka, UseExternal = false }, ct: ct);
        await TopicSetup.CreateAllAsync(kafka, partitions: 12, settings.Ingest, ct);
        AnsiConsole.MarkupLine("[bold green]TrueCost dev infrastructure is up[/] (PostgreSQL and the Kafka-protocol broker only; Ctrl-C to stop)");
        PrintInfrastructure(postgres, kafka);
        AnsiConsole.MarkupLine("  run, each in a shell with the exports above:");
        AnsiConsole.MarkupLine("    truecost ingest        (more than one to share the partitions)");
        AnsiConsole.MarkupLine("    truecost projector     (two or more: one leads, the others take over when it dies)");
        AnsiConsole.MarkupLine("    truecost api --urls http://127.0.0.1:8080");
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("stopping the dev infrastructure");
        }

        return 0;
    }

    private static void PrintInfrastructure(PostgresServer postgres, KafkaCluster kafka)
    {
        var pg = new NpgsqlConnectionStringBuilder(postgres.ConnectionString);
        AnsiConsole.WriteLine($"export TRUECOST_KAFKA={kafka.BootstrapServers}");
        AnsiConsole.WriteLine($"export TRUECOST_POSTGRES=\"{postgres.ConnectionString}\"");
        AnsiConsole.WriteLine($"export TRUECOST_PG_URL=postgresql://{pg.Username}@{pg.Host}:{pg.Port}/{pg.Database}");
    }

    private readonly record struct Ports(int Kafka, int Api, int Otlp, int Ops);
}
