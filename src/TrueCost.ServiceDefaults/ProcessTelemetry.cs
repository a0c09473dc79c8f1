using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TrueCost.Ledger.Observability;

namespace TrueCost.ServiceDefaults;

/// <summary>
/// The telemetry of one process, whatever hosts it runs (<c>truecost dev</c> runs the workers, the API and the OTLP
/// receiver side by side): metrics from the TrueCost meter and ASP.NET Core, readable as Prometheus text at
/// <c>/metrics</c>; metrics and traces also sent over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the
/// exporter reads the other standard <c>OTEL_*</c> variables too). The runtime's own meter is left out: names such as
/// <c>dotnet_thread_pool_thread_count</c> fail promtool's lint, and node exporters already show a process's memory and CPU.
/// </summary>
public sealed class ProcessTelemetry : IDisposable
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    private readonly TracerProvider? _traces;

    private ProcessTelemetry(MeterProvider meters, TracerProvider? traces)
    {
        Meters = meters;
        _traces = traces;
    }

    public MeterProvider Meters { get; }

    /// <summary>Whether metrics and traces also go to an OTLP endpoint.</summary>
    public bool ExportsOtlp => _traces is not null;

    /// <param name="serviceName">The <c>service.name</c> resource attribute, e.g. <c>truecost-ingest</c> (<c>OTEL_SERVICE_NAME</c> overrides it).</param>
    public static ProcessTelemetry Start(string serviceName)
    {
        var otlp = Environment.GetEnvironmentVariable(OtlpEndpointVariable) is { Length: > 0 };
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}");
        var meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(TrueCostTelemetry.Name)
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter();
        var traces = otlp
            ? Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource(TrueCostTelemetry.Name, "MassTransit", "Npgsql")
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter()
                .Build()
            : null;
        return new ProcessTelemetry((otlp ? meters.AddOtlpExporter() : meters).Build(), traces);
    }

    public void Dispose()
    {
        _traces?.Dispose();
        Meters.Dispose();
    }
}
