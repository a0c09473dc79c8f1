using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrueCost.Ledger.Observability;

namespace TrueCost.ServiceDefaults;

/// <summary>A process's operations settings and its telemetry, handed to every host the process runs.</summary>
public sealed record ProcessOps(OpsOptions Options, ProcessTelemetry Telemetry);

/// <summary>What every TrueCost host adds the same way: console logging in the configured format, health checks, and the ops listener.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Console logging as <see cref="OpsOptions.LogFormat"/> says (simple lines without <paramref name="ops"/>) and the
    /// health check service with a PostgreSQL readiness check when <paramref name="postgres"/>; add the host's own checks
    /// to the returned builder. A worker host with <see cref="OpsOptions.Urls"/> also gets its <see cref="OpsListener"/>;
    /// web hosts map <see cref="OpsEndpoints"/> on their own listener instead.
    /// </summary>
    public static IHealthChecksBuilder AddServiceDefaults(this IHostApplicationBuilder builder, ProcessOps? ops, bool postgres, bool opsListener = false)
    {
        builder.Logging.AddTrueCostConsole(ops?.Options.LogFormat ?? LogFormat.Simple);
        if (ops is not null)
        {
            builder.Services.AddSingleton(ops);
            if (opsListener && ops.Options.UrlList.Count > 0)
            {
                builder.Services.AddSingleton<OpsListener>();
                builder.Services.AddHostedService(sp => sp.GetRequiredService<OpsListener>());
            }
        }

        var checks = builder.Services.AddHealthChecks();
        return postgres ? checks.AddCheck<PostgresHealthCheck>("postgres", tags: [HealthTags.Ready]) : checks;
    }
}
