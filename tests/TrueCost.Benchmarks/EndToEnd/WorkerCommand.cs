using System.CommandLine;
using System.Globalization;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrueCost.Contracts;
using TrueCost.DevInfra;
using TrueCost.Ingest;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ledger.Storage;

namespace TrueCost.Benchmarks.EndToEnd;

/// <summary>
/// How the benchmark starts a worker: its topics' prefix, ingest batch size, whether (and how) it runs
/// projections, and the input topic (without prefix) whose counters it reports.
/// </summary>
public sealed record WorkerSettings(string Prefix, int BatchSize, int WriteLanes, bool Projections, int? ProjectionBatchSize, string CountedTopic = Topics.RequestLogs)
{
    public LedgerOptions Ledger() =>
        ProjectionBatchSize is { } size ? new LedgerOptions { ProjectionBatchSize = size } : new LedgerOptions();

    public IEnumerable<string> Arguments()
    {
        string[] arguments = [WorkerCommand.Name, "--prefix", Prefix, "--batch-size", BatchSize.ToString(CultureInfo.InvariantCulture), "--write-lanes", WriteLanes.ToString(CultureInfo.InvariantCulture), "--counted-topic", CountedTopic];
        return arguments
            .Concat(Projections ? ["--projections"] : [])
            .Concat(ProjectionBatchSize is { } size ? ["--projection-batch-size", size.ToString(CultureInfo.InvariantCulture)] : []);
    }
}

/// <summary>
/// The worker under test, in a process of its own so its CPU and memory are its alone: the
/// deployable pipeline host (<see cref="PipelineHost"/>) pointed at <c>TRUECOST_POSTGRES</c> and
/// <c>TRUECOST_KAFKA</c>. It reports <see cref="WorkerStats"/> on stdout and stops gracefully
/// (consumer Close, host shutdown) when its stdin closes.
/// </summary>
public static class WorkerCommand
{
    public const string Name = "worker";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(100);

    private static readonly Option<string> Prefix = new("--prefix") { Description = "Topic prefix", Required = true };
    private static readonly Option<int> BatchSize = new("--batch-size") { Description = "Records per ingest transaction", DefaultValueFactory = _ => 5000 };
    private static readonly Option<int> WriteLanes = new("--write-lanes") { Description = "Ingest write lanes per topic", DefaultValueFactory = _ => new IngestOptions().WriteLanes };
    private static readonly Option<bool> Projections = new("--projections") { Description = "Also run the projection daemon" };
    private static readonly Option<int?> ProjectionBatchSize = new("--projection-batch-size") { Description = "Events per projection daemon page" };
    private static readonly Option<string> CountedTopic = new("--counted-topic") { Description = "Input topic (without prefix) whose counters are reported", DefaultValueFactory = _ => Topics.RequestLogs };

    public static Command Create()
    {
        var command = new Command(Name, "Run the ingest worker under test (started by the benchmark itself)") { Prefix, BatchSize, WriteLanes, Projections, ProjectionBatchSize, CountedTopic };
        command.Hidden = true;
        command.SetAction((parse, ct) => RunAsync(
            new WorkerSettings(parse.GetValue(Prefix)!, parse.GetValue(BatchSize), parse.GetValue(WriteLanes), parse.GetValue(Projections), parse.GetValue(ProjectionBatchSize), parse.GetValue(CountedTopic)!), ct));
        return command;
    }

    private static async Task<int> RunAsync(WorkerSettings settings, CancellationToken ct)
    {
        var postgres = Environment.GetEnvironmentVariable(PostgresServer.EnvironmentVariable)
            ?? throw new BenchmarkException($"the worker needs {PostgresServer.EnvironmentVariable}");
        var kafka = Environment.GetEnvironmentVariable(KafkaCluster.EnvironmentVariable)
            ?? throw new BenchmarkException($"the worker needs {KafkaCluster.EnvironmentVariable}");
        var ingest = new IngestOptions { BootstrapServers = kafka, TopicPrefix = settings.Prefix, BatchSize = settings.BatchSize, WriteLanes = settings.WriteLanes };
        using var host = PipelineHost.Build(postgres, ingest, settings.Ledger(), new PipelineRoles(Ingest: true, Projections: settings.Projections), LogLevel.Warning);
        await host.StartAsync(ct);
        var counters = host.Services.GetRequiredService<IngestCounters>().For(ingest.TopicFor(settings.CountedTopic));
        var stdinClosed = Task.Run(() => Console.In.ReadToEnd(), ct);
        using var self = Process.GetCurrentProcess();
        var last = WorkerStats.None;
        var lastFull = 0L;
        while (!stdinClosed.IsCompleted && !ct.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            var stored = counters.Stored;

            // From the one read of Stored, so a run whose records are all stored reports Processed == Stored.
            var processed = stored + counters.Duplicates + counters.DeadLettered + counters.Ignored;
            if (Stopwatch.GetElapsedTime(lastFull, now) >= Heartbeat)
            {
                self.Refresh();
                last = new WorkerStats(now, stored, counters.Batches, counters.LostToRetention, self.TotalProcessorTime.TotalSeconds,
                    self.WorkingSet64, self.PeakWorkingSet64, GC.GetGCMemoryInfo().HeapSizeBytes, processed);
                lastFull = now;
                Console.Out.WriteLine(last.Format());
            }
            else if (stored != last.Stored || processed != last.Processed)
            {
                // A batch just committed: report it at once (with the last CPU and memory reading) so the
                // benchmark sees the moment the last record was stored, not the next heartbeat.
                last = last with { At = now, Stored = stored, Processed = processed, Batches = counters.Batches, LostToRetention = counters.LostToRetention };
                Console.Out.WriteLine(last.Format());
            }

            await Task.Delay(Poll, CancellationToken.None);
        }

        await host.StopAsync(CancellationToken.None);
        return 0;
    }
}
