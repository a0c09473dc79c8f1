using TrueCost.ServiceDefaults;

namespace TrueCost.Api.Health;

/// <summary>
/// The API's ops endpoints, unauthenticated: <c>GET /healthz</c> (liveness: the process answers), <c>GET /readyz</c>
/// (readiness: the database answers within a few seconds, else 503) and, with the process's telemetry, <c>GET /metrics</c>.
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app, ProcessOps? ops)
    {
        var (live, ready) = app.MapHealthProbes();
        live.AllowAnonymous()
            .WithTags("Health")
            .WithName("GetHealth")
            .WithSummary("Whether the API process is alive (it answers)")
            .Produces<HealthBody>()
            .Produces<HealthBody>(StatusCodes.Status503ServiceUnavailable);
        ready.AllowAnonymous()
            .WithTags("Health")
            .WithName("GetReadiness")
            .WithSummary("Whether the API can serve: its database answers")
            .Produces<HealthBody>()
            .Produces<HealthBody>(StatusCodes.Status503ServiceUnavailable);
        if (ops is not null)
        {
            app.MapMetrics(ops.Telemetry).AllowAnonymous();
        }

        return app;
    }
}
