using Microsoft.Extensions.Diagnostics.HealthChecks;
using TrueCost.Ledger.Storage;

namespace TrueCost.Ledger.Observability;

/// <summary>
/// Readiness of a projector: the cost allocator of the leading replica has not failed
/// <see cref="Allocation.CostAllocatorService.FailuresBeforeUnhealthy"/> rounds in a row. A standby allocates nothing and is ready.
/// </summary>
public sealed class AllocatorHealthCheck(ProjectorLeadership leadership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = leadership.AllocatorHealth;
        var data = new Dictionary<string, object> { ["role"] = Role(leadership), ["consecutive_failures"] = health.ConsecutiveFailures };
        return Task.FromResult(health.Healthy || leadership.Role != ProjectorRole.Leader
            ? HealthCheckResult.Healthy("cost allocation runs", data)
            : HealthCheckResult.Unhealthy($"cost allocation failed {health.ConsecutiveFailures} times in a row: {health.LastError}", data: data));
    }

    internal static string Role(ProjectorLeadership leadership) => leadership.Role.ToString().ToLowerInvariant();
}

/// <summary>
/// Readiness of a projector: it holds a connection for the leader election, whether it leads or stands by (both
/// roles are ready: a standby is what takes over). Only a replica that cannot reach the lock is not ready.
/// </summary>
public sealed class ProjectorRoleHealthCheck(ProjectorLeadership leadership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["role"] = AllocatorHealthCheck.Role(leadership) };
        return Task.FromResult(leadership.Role == ProjectorRole.Connecting
            ? HealthCheckResult.Unhealthy("not connected to the leader election yet", data: data)
            : HealthCheckResult.Healthy(leadership.Role == ProjectorRole.Leader ? "leads: projects and allocates" : "stands by to take over", data));
    }
}
