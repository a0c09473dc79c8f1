using System.Diagnostics;
using System.Globalization;
using TrueCost.Synthetic;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.Reliability;

[Collection("reliability")]
public class WorkerKillTests(ReliabilityFixture infra, ITestOutputHelper output)
{
    private const int Requests = 200_000;
    private const int MinKills = 20;

    /// <summary>Traffic keeps arriving for the whole kill loop; 200,000 records take at least 90 s at this rate.</summary>
    private const int RecordsPerSecond = 2_200;

    /// <summary>Enough that the mock broker's 5 MiB a partition holds even a slow machine's longer run (about 340,000 records).</summary>
    private const int Partitions = 32;

    /// <summary>Short, so a killed worker's partitions are handed to its successor within a few seconds.</summary>
    private const int SessionTimeoutMs = 3000;

    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);

    /// <summary>About 100 s here; the limit keeps a run that cannot reach its kills from running on.</summary>
    private static readonly TimeSpan KillLoopLimit = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task A_worker_process_killed_with_SIGKILL_at_random_points_stores_every_request_exactly_once()
    {
        await using var pipeline = await FaultedPipeline.CreateAsync(infra, Partitions);
        var random = new Random(21);
        var clock = Stopwatch.StartNew();

        // More traffic than the run needs: it flows until the last kill, so every kill meets a run in progress.
        var endless = new RequestLogGenerator(Day, 10 * Requests, seed: 21, invalidShare: 0).Generate();
        using var traffic = TrafficProducer.Start(pipeline.BootstrapServers, pipeline.RequestTopic, endless, RecordsPerSecond, resendEvery: 100);

        // Only kills that meet records still waiting to be stored count towards the minimum.
        var kills = new List<Kill>();
        while (kills.Count(k => k.Backlog > 0) < MinKills || traffic.Sent < Requests)
        {
            Assert.False(traffic.IsDone, $"traffic ended before the kill loop did: {traffic.Completion.Exception?.GetBaseException().Message}");
            Assert.True(clock.Elapsed < KillLoopLimit, $"{kills.Count} kills in {clock.Elapsed.TotalSeconds:0} s, {kills.Count(k => k.Backlog > 0)} of them with records waiting");
            kills.Add(await KillOneWorkerAsync(pipeline, traffic, early: kills.Count % 4 == 3, random, clock));
        }

        traffic.Stop();
        using var survivor = StartWorker(pipeline);
        var figures = await ExactlyOnce.AssertAsync(pipeline, traffic, output, survivor.OutputTail);

        output.WriteLine(
            $"SIGKILL: {kills.Count} kills in {kills[^1].At.TotalSeconds:0} s ({kills.Count(k => k.Early)} early), " +
            $"{kills.Count(k => k.Backlog > 0)} with records not yet stored, {kills.Count(k => k.OpenTransactions > 0)} with an ingest transaction open; total {clock.Elapsed.TotalSeconds:0} s");
        output.WriteLine(string.Join(Environment.NewLine, kills.Select((k, i) => $"  kill {i + 1,2} at {k.At.TotalSeconds,5:0.0} s: backlog {k.Backlog,7:N0}, open transactions {k.OpenTransactions}{(k.Early ? ", early" : string.Empty)}")));
        Assert.All(kills, k => Assert.Equal(WorkerProcess.KilledBySigkill, k.ExitCode));
        Assert.True(kills.Any(k => k.OpenTransactions > 0), "no kill cut an ingest transaction off");
        Assert.InRange(figures.Produced, Requests, int.MaxValue);
    }

    /// <summary>
    /// Starts a worker and kills it. Most kills come at a random moment after it has stored something;
    /// an early one comes at a random moment from launch on: start-up, schema check, group join, first batch.
    /// </summary>
    private static async Task<Kill> KillOneWorkerAsync(FaultedPipeline pipeline, TrafficProducer traffic, bool early, Random random, Stopwatch clock)
    {
        using var worker = StartWorker(pipeline);
        if (early)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(300, 4000)));
        }
        else
        {
            await pipeline.WaitForProgressAsync(traffic, worker.OutputTail, () => !worker.HasExited);
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 1500)));
        }

        var backlog = pipeline.Watermarks().Sum(w => w.High.Value) - await pipeline.CommittedAsync();
        var openTransactions = await OpenTransactionsAsync(pipeline);
        var exitCode = await worker.KillAsync();
        return new Kill(clock.Elapsed, early, backlog, openTransactions, exitCode);
    }

    private static WorkerProcess StartWorker(FaultedPipeline pipeline) => WorkerProcess.Start(
    [
        "--postgres", pipeline.Postgres,
        "--kafka", pipeline.BootstrapServers,
        "--topic-prefix", pipeline.Ingest.TopicPrefix,
        "--group", pipeline.Ingest.ConsumerGroup,
        "--batch-size", pipeline.Ingest.BatchSize.ToString(CultureInfo.InvariantCulture),
        "--session-timeout-ms", SessionTimeoutMs.ToString(CultureInfo.InvariantCulture),
    ]);

    /// <summary>Client sessions of the run's database inside a statement or transaction, sampled just before the kill.</summary>
    private static async Task<long> OpenTransactionsAsync(FaultedPipeline pipeline)
    {
        await using var cmd = pipeline.DataSource.CreateCommand(
            "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state in ('active', 'idle in transaction')");
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private sealed record Kill(TimeSpan At, bool Early, long Backlog, long OpenTransactions, int ExitCode);
}
