using System.Diagnostics;
using Marten;
using TrueCost.Benchmarks.Measurement;
using TrueCost.Benchmarks.Setup;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ingest.RequestLogs;
using TrueCost.Ledger.RequestLogs;
using TrueCost.Ledger.Storage;

namespace TrueCost.Benchmarks.Limits;

/// <summary>How the records are cut into events and commits.</summary>
public sealed record AppendShape(int RecordsPerCommit, int RecordsPerEvent, int Streams);

/// <summary>The append rate (append and commit time only) and the CPU of the whole stage, of which only PostgreSQL's is the append's alone.</summary>
public sealed record AppendResult(AppendShape Shape, long Records, double RecordsPerSecond, CoresUsed Cores);

/// <summary>
/// Marten's own append of the events the ingest writes: <see cref="RequestsRecorded"/> events
/// (converted by the ingest's own mapping) to partition-like streams, with the ledger's store
/// configuration (Quick append, lz4 event compression where the server has it), one session and commit per ingest-sized batch. Parsing the JSON
/// happens before the clock runs for each batch: only append and commit are timed.
/// </summary>
public static class MartenAppend
{
    public static async Task<AppendResult> RunAsync(
        string connectionString, IReadOnlyList<WireRecord> records, AppendShape shape, string topic, CpuClock cpu, CancellationToken ct)
    {
        using var store = LedgerStore.CreateStore(connectionString, new LedgerOptions());
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using (var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString))
        {
            // The same start-up step as the deployed pipeline (EventCompressionService).
            _ = await EventCompression.UseLz4Async(dataSource, new LedgerOptions().Schema, ct);
        }

        var parser = new RequestLogParser(TimeProvider.System);
        var appending = TimeSpan.Zero;
        var offsets = new long[shape.Streams];
        var nextStream = 0;
        var window = new CpuWindow(cpu, worker: null);
        for (var start = 0; start < records.Count; start += shape.RecordsPerCommit)
        {
            var events = records.Skip(start).Take(shape.RecordsPerCommit)
                .Select(r => RequestLogSource.ToRecorded(parser.Parse(r.Json).Record ?? throw new BenchmarkException($"generated record {r.Id} does not parse")))
                .Chunk(shape.RecordsPerEvent)
                .Select(requests =>
                {
                    var partition = nextStream++ % shape.Streams;
                    var e = new RequestsRecorded(topic, partition, offsets[partition], offsets[partition] + requests.Length - 1, requests);
                    offsets[partition] += requests.Length;
                    return e;
                })
                .ToList();

            var clock = Stopwatch.StartNew();
            await using (var session = store.LightweightSession())
            {
                foreach (var e in events)
                {
                    session.Events.Append($"{topic}/{e.Partition}", e);
                }

                await session.SaveChangesAsync(ct);
            }

            appending += clock.Elapsed;
        }

        return new AppendResult(shape, records.Count, records.Count / appending.TotalSeconds, window.Stop());
    }
}
