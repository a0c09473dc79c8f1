using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TrueCost.ServiceDefaults;

/// <summary>
/// The small HTTP listener of a worker process (<c>Ops:Urls</c>, <c>--ops-urls</c>): <c>/healthz</c>, <c>/readyz</c> and
/// <c>/metrics</c> over the worker host's own health checks and the process's telemetry. It starts before the workers,
/// so probes answer (not ready) while the schema is applied and the consumers join their groups.
/// </summary>
public sealed partial class OpsListener(ProcessOps ops, HealthCheckService health, ILogger<OpsListener> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public IEnumerable<string> Urls => _app?.Urls ?? [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls([.. ops.Options.UrlList]);
        builder.Logging.AddTrueCostConsole(ops.Options.LogFormat).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(health);
        _app = builder.Build();
        _app.MapHealthProbes();
        _app.MapMetrics(ops.Telemetry);
        await _app.StartAsync(cancellationToken);
        LogListening(logger, string.Join(", ", _app.Urls));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [LoggerMessage(LogLevel.Information, "Serving /healthz, /readyz and /metrics on {Urls}")]
    private static partial void LogListening(ILogger logger, string urls);
}
