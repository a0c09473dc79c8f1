using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TrueCost.Contracts;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.Ledger.Storage;
using TrueCost.Synthetic;

namespace TrueCost.IntegrationTests.Ingest;

[Collection("infrastructure")]
public class DedupeWindowTests(InfrastructureFixture infra)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_week_older_than_the_window_is_dropped_and_an_id_claimed_in_a_kept_earlier_week_is_still_a_duplicate()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var records = new RequestLogGenerator(Day, 200, seed: 14, invalidShare: 0).Generate().ToList();
        var host = await pipeline.StartHostAsync(projections: false);
        var counters = PipelineUnderTest.Counters(host, pipeline.RequestTopic);
        await pipeline.ProduceAsync(records);
        await Eventually.TrueAsync(() => counters.Processed >= records.Count, Patience, () => $"processed {counters.Processed} of {records.Count}");

        // Backdate the claims: the first 120 ids into last week (inside a 14-day window), the last 50 into the week
        // five weeks ago (outside it). Updating the partition key moves the rows into those weeks' partitions.
        var table = LedgerTables.IngestedRecordsByWeek;
        var thisWeek = table.PeriodOf(DateTimeOffset.UtcNow);
        var lastWeek = thisWeek.AddDays(-7);
        var fiveWeeksAgo = thisWeek.AddDays(-35);
        await using (var conn = await pipeline.DataSource.OpenConnectionAsync())
        {
            await TablePartitions.EnsureAsync(conn, null, pipeline.Ledger.Schema, table, [lastWeek, fiveWeeksAgo], CancellationToken.None);
        }

        var recent = records.Take(120).ToList();
        var old = records.Skip(150).ToList();
        await BackdateAsync(pipeline, recent, lastWeek);
        await BackdateAsync(pipeline, old, fiveWeeksAgo);

        var window = new DedupeWindowService(pipeline.DataSource, new IngestOptions { DedupeWindowDays = 14 }, pipeline.Ledger, TimeProvider.System, NullLogger<DedupeWindowService>.Instance);
        var dropped = await window.ApplyAsync(CancellationToken.None);

        Assert.Equal(new[] { table.PartitionName(fiveWeeksAgo) }, dropped);
        var kept = (await TablePartitions.ListAsync(pipeline.DataSource, pipeline.Ledger.Schema, table, CancellationToken.None)).Select(p => p.Start).ToList();
        Assert.Equal(new[] { lastWeek, thisWeek, thisWeek.AddDays(7) }, kept);

        // Copies of 100 recent ids are duplicates, a different record with a recent id is dead-lettered, and copies
        // of the 50 forgotten ids are stored again (the accepted cost of a bounded window).
        var first = JsonSerializer.Deserialize<RequestLogRecord>(recent[110].Value, WireJson.Options)!;
        var conflicting = recent[110] with { Value = JsonSerializer.SerializeToUtf8Bytes(first with { OutputTokens = first.OutputTokens + 1 }, WireJson.Options) };
        await pipeline.ProduceAsync([.. recent.Take(100), conflicting, .. old]);
        await Eventually.TrueAsync(() => counters.Processed >= records.Count + 151, Patience, () => $"processed {counters.Processed} of {records.Count + 151}");

        Assert.Equal(100, counters.Duplicates);
        Assert.Equal(1, counters.DeadLettered);
        Assert.Equal(records.Count + old.Count, counters.Stored);
        Assert.Equal(StoredIds.Of(records.Concat(old).Select(r => r.Key)), await pipeline.StoredRequestIdsAsync());
        var dead = Assert.Single(pipeline.ReadDeadLetters(Topics.RequestLogs, 1, Patience));
        Assert.Contains($"duplicate id {first.RequestId} with different content", Encoding.UTF8.GetString(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason)), StringComparison.Ordinal);

        await using var weeks = pipeline.DataSource.CreateCommand(
            "select claimed_in, count(*) from truecost.ingested_records group by claimed_in order by claimed_in");
        await using var r = await weeks.ExecuteReaderAsync();
        var byWeek = new List<(DateTimeOffset, long)>();
        while (await r.ReadAsync())
        {
            byWeek.Add((r.GetFieldValue<DateTimeOffset>(0), r.GetInt64(1)));
        }

        Assert.Equal(new[] { (lastWeek, 120L), (thisWeek, records.Count - 120L) }, byWeek);
    }

    private static async Task BackdateAsync(PipelineUnderTest pipeline, List<SyntheticRecord> records, DateTimeOffset week)
    {
        await using var cmd = pipeline.DataSource.CreateCommand("update truecost.ingested_records set claimed_in = $1 where record_id = any($2)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = week });
        cmd.Parameters.Add(new NpgsqlParameter { Value = records.Select(r => r.Key).ToArray() });
        Assert.Equal(records.Count, await cmd.ExecuteNonQueryAsync());
    }
}
