using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Observability;
using TrueCost.Ledger.Storage;
using TrueCost.ServiceDefaults;

namespace TrueCost.Ingest;

/// <summary>What a pipeline process runs: ingest workers, the projection daemon, or both.</summary>
public sealed record PipelineRoles(bool Ingest, bool Projections);

/// <summary>Composes the deployable pipeline process (used by the CLI and by the integration tests).</summary>
public static class PipelineHost
{
    /// <param name="ops">The process's ops settings and telemetry: its ops listener, log format and ledger gauges (none without).</param>
    public static IHost Build(string postgres, IngestOptions ingest, LedgerOptions ledger, PipelineRoles roles, LogLevel minimumLevel = LogLevel.Information, ProcessOps? ops = null)
    {
        var builder = Host.CreateApplicationBuilder();
        var checks = builder.AddServiceDefaults(ops, postgres: true, opsListener: true);
        builder.Logging.SetMinimumLevel(minimumLevel);
        builder.Logging.AddFilter("Marten", minimumLevel < LogLevel.Warning ? LogLevel.Warning : minimumLevel);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddLedger(postgres, ledger, roles.Projections);
        if (roles.Projections)
        {
            checks.AddCheck<AllocatorHealthCheck>("allocator", tags: [HealthTags.Ready])
                .AddCheck<ProjectorRoleHealthCheck>("projector", tags: [HealthTags.Ready]);
            if (ops is not null)
            {
                builder.Services.AddSingleton(new LedgerGaugeOptions(ops.Options.GaugeInterval));
                builder.Services.AddHostedService<LedgerGauges>();
            }
        }

        if (roles.Ingest)
        {
            builder.Services.AddIngestWorkers(ingest);
            builder.Services.AddSingleton<KafkaHealthCheck>();
            checks.AddCheck<IngestHealthCheck>("ingest", tags: [HealthTags.Live])
                .AddCheck<KafkaHealthCheck>("kafka", tags: [HealthTags.Ready]);
        }

        return builder.Build();
    }
}
