using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Observability;
using TrueCost.ServiceDefaults;

namespace TrueCost.Api.Otlp;

/// <summary>
/// The OTLP/HTTP receiver as its own application (<c>truecost otlp-receiver</c>, and inside <c>truecost dev</c>):
/// no API keys, like the Collector's own OTLP receiver; bind it where only your services reach it.
/// </summary>
public static class OtlpReceiverHost
{
    /// <summary>The port OTLP/HTTP exporters send to by default.</summary>
    public const int DefaultPort = 4318;

    /// <param name="ops">The process's ops settings and telemetry: log format and <c>/metrics</c> (simple logs and no <c>/metrics</c> without).</param>
    public static WebApplication Build(IngestOptions ingest, string[] urls, ProcessOps? ops = null)
    {
        ingest.Validate();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(OtlpReceiverHost).Assembly.GetName().Name });
        builder.WebHost.UseUrls(urls);
        builder.Services.AddSingleton<KafkaHealthCheck>();
        builder.AddServiceDefaults(ops, postgres: false).AddCheck<KafkaHealthCheck>("kafka", tags: [HealthTags.Ready]);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddSingleton(ingest);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OtlpReceiver>();

        var app = builder.Build();
        app.MapPost("/v1/traces", (HttpRequest request, OtlpReceiver receiver, CancellationToken ct) => receiver.TracesAsync(request, ct));
        app.MapPost("/v1/metrics", (HttpRequest request, OtlpReceiver receiver, CancellationToken ct) => receiver.MetricsAsync(request, ct));
        app.MapHealthProbes();
        if (ops is not null)
        {
            app.MapMetrics(ops.Telemetry);
        }

        return app;
    }
}
