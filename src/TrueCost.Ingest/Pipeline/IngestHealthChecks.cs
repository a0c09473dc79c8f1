using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// Liveness of the ingest workers: no topic's batches have failed to store <see cref="TopicCounters.FailuresBeforeUnhealthy"/>
/// times in a row. A worker that keeps failing keeps retrying (nothing is skipped), but says so here.
/// </summary>
public sealed class IngestHealthCheck(IngestCounters counters) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failing = counters.Topics.Where(t => !t.Value.Health.Healthy).OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var data = counters.Topics.ToDictionary(t => t.Key, t => (object)t.Value.Health.ConsecutiveFailures);
        return Task.FromResult(failing.Count == 0
            ? HealthCheckResult.Healthy("batches are stored", data)
            : HealthCheckResult.Unhealthy(
                string.Join("; ", failing.Select(t => $"{t.Key}: storing failed {t.Value.Health.ConsecutiveFailures} times in a row ({t.Value.Health.LastError})")),
                data: data));
    }
}

/// <summary>Readiness: the Kafka cluster answers a metadata request within <see cref="Timeout"/>, through one admin client per process.</summary>
public sealed class KafkaHealthCheck(IngestOptions options) : IHealthCheck, IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(options.Client(new AdminClientConfig
    {
        ClientId = $"truecost-health-{Environment.ProcessId}",
    })).Build());

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var metadata = await Task.Run(() => _admin.Value.GetMetadata(Timeout), cancellationToken);
            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy("the Kafka cluster answers", new Dictionary<string, object> { ["brokers"] = metadata.Brokers.Count })
                : HealthCheckResult.Unhealthy("the Kafka cluster lists no broker");
        }
        catch (KafkaException e)
        {
            return HealthCheckResult.Unhealthy("the Kafka cluster did not answer", e);
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
