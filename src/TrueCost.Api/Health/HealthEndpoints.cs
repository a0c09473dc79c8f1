using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace TrueCost.Api.Health;

public sealed record HealthStatus(string Status);

/// <summary>GET /healthz, unauthenticated: 200 when the database answers within a few seconds, else 503.</summary>
public static class HealthEndpoints
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", CheckAsync)
            .AllowAnonymous()
            .WithTags("Health")
            .WithName("GetHealth")
            .WithSummary("Whether the API can reach its database")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> CheckAsync(NpgsqlDataSource db, ILoggerFactory logs, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        try
        {
            await using var cmd = db.CreateCommand("select 1");
            await cmd.ExecuteScalarAsync(timeout.Token);
            return TypedResults.Ok(new HealthStatus("ok"));
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            // The reason is logged, not returned: the endpoint is anonymous and the error may name hosts.
            logs.CreateLogger(typeof(HealthEndpoints)).LogWarning(e, "Health check: the database did not answer within {Timeout}", Timeout);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, detail: "the database did not answer");
        }
    }
}
