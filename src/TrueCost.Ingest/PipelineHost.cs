using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ingest;

/// <summary>What a pipeline process runs: ingest workers, the projection daemon, or both.</summary>
public sealed record PipelineRoles(bool Ingest, bool Projections);

/// <summary>Composes the deployable pipeline process (used by the CLI and by the integration tests).</summary>
public static class PipelineHost
{
    public static IHost Build(string postgres, IngestOptions ingest, LedgerOptions ledger, PipelineRoles roles, LogLevel minimumLevel = LogLevel.Information)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(minimumLevel);
        builder.Logging.AddFilter("Marten", minimumLevel < LogLevel.Warning ? LogLevel.Warning : minimumLevel);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddLedger(postgres, ledger, roles.Projections);
        if (roles.Ingest)
        {
            builder.Services.AddIngestWorkers(ingest);
        }

        return builder.Build();
    }
}
