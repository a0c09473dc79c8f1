using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TrueCost.Contracts;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.RequestLogs;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.RequestLogs;
using TrueCost.Synthetic;

namespace TrueCost.IntegrationTests.Ingest;

[Collection("infrastructure")]
public class RequestLogIngestTests(InfrastructureFixture infra)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Valid_records_are_stored_once_and_invalid_ones_reach_the_dlq_with_their_reason()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var records = new RequestLogGenerator(Day, 5_000, seed: 11, invalidShare: 0.01).Generate().ToList();
        var host = await pipeline.StartHostAsync();

        await pipeline.ProduceAsync(records);
        var counters = PipelineUnderTest.Counters(host, pipeline.RequestTopic);
        await Eventually.TrueAsync(() => counters.Processed >= records.Count, Patience, () => $"processed {counters.Processed} of {records.Count}");

        var valid = records.Where(r => r.Valid).ToList();
        var invalid = records.Where(r => !r.Valid).ToList();
        var stored = await pipeline.StoredRequestIdsAsync();
        Assert.Equal(StoredIds.Of(valid.Select(r => r.Key)), stored);
        Assert.Equal(invalid.Count, counters.DeadLettered);

        var dead = pipeline.ReadDeadLetters(Topics.RequestLogs, invalid.Count, Patience);
        Assert.Equal(invalid.Select(r => r.Key).Order(), dead.Select(d => d.Message.Key).Order());
        Assert.All(dead, d =>
        {
            var reason = Encoding.UTF8.GetString(d.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason));
            Assert.Matches("invalid JSON|is negative|serving_mode 'carrier-pigeon'", reason);
            Assert.Equal(pipeline.RequestTopic, Encoding.UTF8.GetString(d.Message.Headers.GetLastBytes(DeadLetterHeaders.SourceTopic)));
            Assert.NotEmpty(d.Message.Headers.GetLastBytes(DeadLetterHeaders.SourceOffset));
        });
    }

    /// <summary>
    /// A transactional producer's commit markers take an offset each, so the offsets between one transaction's records
    /// and the next are no loss and must not be reported as deleted by retention. (Aborted records, skipped by a
    /// read-committed consumer, leave the same kind of gap; the embedded mock broker does not filter them, so only
    /// markers are exercised here.)
    /// </summary>
    [Fact]
    public async Task Offsets_taken_by_transaction_markers_are_not_reported_as_retention_loss()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra, partitions: 2);
        var records = new RequestLogGenerator(Day, 300, seed: 14, invalidShare: 0).Generate().ToList();
        var transactions = records.Chunk(100).ToList();
        var host = await pipeline.StartHostAsync(projections: false);
        var counters = PipelineUnderTest.Counters(host, pipeline.RequestTopic);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = infra.Kafka.BootstrapServers,
            TransactionalId = $"tx-{Guid.NewGuid():N}",
        }).Build();
        producer.InitTransactions(Patience);

        var sent = 0;
        foreach (var transaction in transactions)
        {
            producer.BeginTransaction();
            foreach (var r in transaction)
            {
                producer.Produce(pipeline.RequestTopic, new Message<string, byte[]> { Key = r.Key, Value = r.Value });
            }

            producer.CommitTransaction(Patience);
            sent += transaction.Length;

            // Each transaction is stored before the next is sent, so every later batch starts past a marker.
            await Eventually.TrueAsync(() => counters.Processed >= sent, Patience, () => $"processed {counters.Processed} of {sent}");
        }

        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = infra.Kafka.BootstrapServers, GroupId = $"watermarks-{Guid.NewGuid():N}" }).Build();
        var offsetsUsed = Enumerable.Range(0, 2).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(pipeline.RequestTopic, p), Patience).High.Value);
        Assert.True(offsetsUsed > records.Count, $"the markers should take offsets: {offsetsUsed} offsets for {records.Count} records");
        Assert.Equal(StoredIds.Of(records.Select(r => r.Key)), await pipeline.StoredRequestIdsAsync());
        Assert.Equal(0, counters.LostToRetention);
        Assert.Equal(0, counters.DeadLettered);
    }

    [Fact]
    public async Task A_repeated_request_id_is_stored_once_and_one_with_different_content_is_dead_lettered()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var original = new RequestLogGenerator(Day, 200, seed: 12, invalidShare: 0).Generate().ToList();
        var first = JsonSerializer.Deserialize<RequestLogRecord>(original[0].Value, WireJson.Options)!;
        var conflicting = original[0] with { Value = JsonSerializer.SerializeToUtf8Bytes(first with { OutputTokens = first.OutputTokens + 1 }, WireJson.Options) };
        var host = await pipeline.StartHostAsync();

        await pipeline.ProduceAsync(original);
        var counters = PipelineUnderTest.Counters(host, pipeline.RequestTopic);
        await Eventually.TrueAsync(() => counters.Processed >= original.Count, Patience, () => $"processed {counters.Processed} of {original.Count}");
        await pipeline.ProduceAsync([.. original.Take(50), conflicting]);
        await Eventually.TrueAsync(() => counters.Processed >= original.Count + 51, Patience, () => $"processed {counters.Processed} of {original.Count + 51}");

        Assert.Equal(StoredIds.Of(original.Select(r => r.Key)), await pipeline.StoredRequestIdsAsync());
        Assert.Equal(50, counters.Duplicates);
        var dead = Assert.Single(pipeline.ReadDeadLetters(Topics.RequestLogs, 1, Patience));
        Assert.Contains($"duplicate id {first.RequestId} with different content", Encoding.UTF8.GetString(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_stopped_mid_run_and_replaced_stores_every_record_exactly_once()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var records = new RequestLogGenerator(Day, 40_000, seed: 13, invalidShare: 0).Generate().ToList();

        // The last quarter is produced only after the first worker stops, so the stop always lands mid-run.
        var beforeStop = records.Take(records.Count * 3 / 4).ToList();
        var produce = Task.Run(() => pipeline.ProduceAsync(beforeStop));
        var first = await pipeline.StartHostAsync(projections: false);
        var firstCounters = PipelineUnderTest.Counters(first, pipeline.RequestTopic);
        await Eventually.TrueAsync(() => firstCounters.Stored > 8_000, Patience, () => $"first worker stored {firstCounters.Stored}");

        // Cancel in the middle of the run: buffered, uncommitted records must be re-read, committed ones must not be.
        await first.StopAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(firstCounters.Stored, 8_000, records.Count - 1);
        await produce;
        await pipeline.ProduceAsync(records.Skip(beforeStop.Count));
        var second = await pipeline.StartHostAsync(projections: false);
        var secondCounters = PipelineUnderTest.Counters(second, pipeline.RequestTopic);
        await Eventually.TrueAsync(() => firstCounters.Stored + secondCounters.Stored >= records.Count, Patience, () => $"stored {firstCounters.Stored} + {secondCounters.Stored} of {records.Count}");

        Assert.Equal(StoredIds.Of(records.Select(r => r.Key)), await pipeline.StoredRequestIdsAsync());
        Assert.Equal(0, secondCounters.Duplicates);
    }

    [Fact]
    public async Task The_hourly_usage_table_equals_the_produced_requests_summed_by_key()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var records = new RequestLogGenerator(Day, 8_000, seed: 14, invalidShare: 0.005).Generate().ToList();
        var host = await pipeline.StartHostAsync();

        await pipeline.ProduceAsync(records);
        var counters = PipelineUnderTest.Counters(host, pipeline.RequestTopic);
        await Eventually.TrueAsync(() => counters.Processed >= records.Count, Patience, () => $"processed {counters.Processed} of {records.Count}");
        await host.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(Patience);

        var expected = UsageHourly.Aggregate(
            records.Where(r => r.Valid).Select(r => RequestLogSource.ToRecorded(JsonSerializer.Deserialize<RequestLogRecord>(r.Value, WireJson.Options)!)));
        await using var cmd = pipeline.DataSource.CreateCommand(
            "select count(*), sum(requests), sum(input_tokens), sum(output_tokens), sum(retries), sum(cached_input_tokens) from truecost.usage_hourly");
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(expected.Count, reader.GetInt64(0));
        Assert.Equal(expected.Values.Sum(t => t.Requests), reader.GetInt64(1));
        Assert.Equal(expected.Values.Sum(t => t.InputTokens), reader.GetInt64(2));
        Assert.Equal(expected.Values.Sum(t => t.OutputTokens), reader.GetInt64(3));
        Assert.Equal(expected.Values.Sum(t => t.Retries), reader.GetInt64(4));
        Assert.Equal(expected.Values.Sum(t => t.CachedInputTokens), reader.GetInt64(5));
    }
}
