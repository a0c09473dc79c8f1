using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TrueCost.Ledger.Observability;

namespace TrueCost.ServiceDefaults;

/// <summary>One health check's verdict as <c>/healthz</c> and <c>/readyz</c> show it.</summary>
public sealed record CheckStatus(string Status, string? Description, IReadOnlyDictionary<string, object> Data);

/// <summary>The body of <c>/healthz</c> and <c>/readyz</c>: the overall status and each check's.</summary>
public sealed record HealthBody(string Status, IReadOnlyDictionary<string, CheckStatus> Checks);

/// <summary>
/// <c>GET /healthz</c> (liveness: the checks tagged <see cref="HealthTags.Live"/>, such as worker loops that keep failing),
/// <c>GET /readyz</c> (readiness: the checks tagged <see cref="HealthTags.Ready"/>, the dependencies and the workers'
/// roles) — 200 when healthy or degraded, else 503, with a JSON body of every check — and <c>GET /metrics</c>.
/// Unauthenticated: errors are logged by the health service, never written to the body.
/// </summary>
public static class OpsEndpoints
{
    public const string MetricsPath = "/metrics";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static (RouteHandlerBuilder Live, RouteHandlerBuilder Ready) MapHealthProbes(this IEndpointRouteBuilder app) => (
        app.MapGet("/healthz", (HealthCheckService health, CancellationToken ct) => ReportAsync(health, HealthTags.Live, ct)),
        app.MapGet("/readyz", (HealthCheckService health, CancellationToken ct) => ReportAsync(health, HealthTags.Ready, ct)));

    /// <summary>Prometheus text of everything <paramref name="telemetry"/> collects.</summary>
    public static IEndpointConventionBuilder MapMetrics(this IEndpointRouteBuilder app, ProcessTelemetry telemetry) =>
        app.MapPrometheusScrapingEndpoint(MetricsPath, telemetry.Meters, configureBranchedPipeline: null, optionsName: null);

    public static HealthBody Body(HealthReport report) => new(
        Status(report.Status),
        report.Entries.ToDictionary(e => e.Key, e => new CheckStatus(Status(e.Value.Status), e.Value.Description, e.Value.Data.ToDictionary(d => d.Key, d => d.Value)), StringComparer.Ordinal));

    private static async Task<JsonHttpResult<HealthBody>> ReportAsync(HealthCheckService health, string tag, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(tag), ct);
        var status = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        return TypedResults.Json(Body(report), Json, statusCode: status);
    }

    private static string Status(HealthStatus status) => status.ToString().ToLowerInvariant();
}
