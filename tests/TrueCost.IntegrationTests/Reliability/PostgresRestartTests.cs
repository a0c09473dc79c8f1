using TrueCost.DevInfra;
using TrueCost.Synthetic;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.Reliability;

/// <summary>
/// The database going away under a running ingest host: a fast shutdown terminates its sessions
/// mid-transaction, and the pool's idle connections are dead when it comes back.
/// </summary>
[Collection("reliability")]
public class PostgresRestartTests(ReliabilityFixture infra, ITestOutputHelper output)
{
    private const int Requests = 60_000;
    private const int RecordsPerSecond = 2_000;

    private static readonly DateTimeOffset Day = new(2026, 11, 18, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan[] Downtimes = [TimeSpan.FromSeconds(4), TimeSpan.Zero, TimeSpan.FromSeconds(1)];

    [SkippableFact]
    public async Task PostgreSQL_restarted_mid_run_loses_and_doubles_nothing()
    {
        Skip.IfNot(infra.Postgres.IsEmbedded, $"the PostgreSQL server from {PostgresServer.EnvironmentVariable} is not this run's to restart");
        await using var pipeline = await FaultedPipeline.CreateAsync(infra);
        var records = new RequestLogGenerator(Day, Requests, seed: 41, invalidShare: 0).Generate().ToList();
        await pipeline.StartHostAsync();
        using var traffic = TrafficProducer.Start(pipeline.BootstrapServers, pipeline.RequestTopic, records, RecordsPerSecond, resendEvery: 100);

        var restarts = new List<string>();
        foreach (var downtime in Downtimes)
        {
            await pipeline.WaitForProgressAsync(traffic, () => $"restarts so far: {string.Join("; ", restarts)}");
            var committed = await pipeline.TryCommittedAsync();
            await infra.Postgres.RestartAsync(downtime);
            restarts.Add($"down {downtime.TotalSeconds:0} s at offset sum {committed:N0}");
        }

        await ExactlyOnce.AssertAsync(pipeline, traffic, output);
        output.WriteLine($"PostgreSQL restarts: {restarts.Count} ({string.Join("; ", restarts)})");
    }
}
