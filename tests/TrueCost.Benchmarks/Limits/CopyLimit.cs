using Npgsql;
using NpgsqlTypes;
using TrueCost.Benchmarks.Measurement;
using TrueCost.Benchmarks.Setup;

namespace TrueCost.Benchmarks.Limits;

/// <summary>A rate and the CPU behind it (the client is this process).</summary>
public sealed record LimitResult(long Records, CoresUsed Cores)
{
    public double RecordsPerSecond => Records / Cores.Seconds;
}

/// <summary>
/// The machine's limit for storing these records: a binary COPY of every record (its id and the
/// same JSON value, as jsonb) into an unindexed table. No parsing, no dedupe, no offsets. One COPY
/// on this kind of machine varies by up to 2× from run to run (first-touch memory of a fresh VM),
/// so it runs <see cref="Runs"/> times into fresh tables and the fastest is the limit: a ratio
/// to it errs against the pipeline, never for it.
/// </summary>
public static class CopyLimit
{
    public const int Runs = 3;

    public static async Task<LimitResult> RunAsync(string connectionString, IReadOnlyList<WireRecord> records, CpuClock cpu, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        LimitResult? fastest = null;
        for (var run = 0; run < Runs; run++)
        {
            var result = await CopyOnceAsync(conn, $"request_copy_{run}", records, cpu, ct);
            if (fastest is null || result.RecordsPerSecond > fastest.RecordsPerSecond)
            {
                fastest = result;
            }
        }

        return fastest!;
    }

    private static async Task<LimitResult> CopyOnceAsync(NpgsqlConnection conn, string table, IReadOnlyList<WireRecord> records, CpuClock cpu, CancellationToken ct)
    {
        await using (var create = new NpgsqlCommand($"create table {table} (request_id text not null, payload jsonb not null)", conn))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        var window = new CpuWindow(cpu, worker: null);
        await using (var copy = await conn.BeginBinaryImportAsync($"copy {table} (request_id, payload) from stdin (format binary)", ct))
        {
            foreach (var record in records)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(record.Id, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(record.Json, NpgsqlDbType.Jsonb, ct);
            }

            await copy.CompleteAsync(ct);
        }

        var cores = window.Stop();
        await using var count = new NpgsqlCommand($"select count(*) from {table}", conn);
        var stored = (long)(await count.ExecuteScalarAsync(ct))!;
        if (stored != records.Count)
        {
            throw new BenchmarkException($"COPY stored {stored:N0} of {records.Count:N0} records");
        }

        return new LimitResult(records.Count, cores);
    }
}
