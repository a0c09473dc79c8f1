using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using TrueCost.Contracts;
using TrueCost.Contracts.LiteLlm;
using TrueCost.Ingest.LiteLlm;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Infrastructure;

namespace TrueCost.IntegrationTests.Ingest;

[Collection("infrastructure")]
public class LiteLlmIngestTests(InfrastructureFixture infra)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task LiteLlm_payloads_imported_twice_are_stored_once_with_their_tokens_and_litellms_own_cost_beside()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var topic = pipeline.Ingest.TopicFor(pipeline.Ingest.LiteLlm.Topic);
        var host = await pipeline.StartHostAsync();
        var sample = Path.Combine(Repository.Root, "schemas", "examples", "litellm", "standard-logging-payloads.jsonl");
        var payloads = File.ReadAllLines(sample).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

        // Two runs, as two invocations of `truecost import litellm` would be; then one payload a proxy sent
        // straight to the topic that the worker must refuse (its key has no team).
        var first = Import(sample, topic);
        var second = Import(sample, topic);
        var teamless = payloads[0].DeepClone().AsObject();
        teamless["id"] = "chatcmpl-teamless";
        teamless["metadata"]!["user_api_key_team_id"] = null;
        teamless["metadata"]!["user_api_key_team_alias"] = null;
        Produce(topic, "chatcmpl-teamless", teamless.ToJsonString());

        var counters = PipelineUnderTest.Counters(host, topic);
        var sent = first.Produced + second.Produced + 1;
        await Eventually.TrueAsync(() => counters.Processed >= sent, Patience, () => $"processed {counters.Processed} of {sent}");
        await host.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(Patience);

        Assert.Equal((payloads.Count, 0L), (first.Produced, first.Refused));
        Assert.Equal((first.Produced, second.Produced, 1L), (counters.Stored, counters.Duplicates, counters.DeadLettered));
        var dead = Assert.Single(pipeline.ReadDeadLetters(pipeline.Ingest.LiteLlm.Topic, 1, Patience));
        Assert.Contains("no tenant", Encoding.UTF8.GetString(dead.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason)), StringComparison.Ordinal);

        var reported = payloads.Select(p => p["response_cost"]).Where(c => c is not null).Sum(c => c!.GetValue<decimal>());
        await using var cmd = pipeline.DataSource.CreateCommand(
            $"select sum(requests), sum(input_tokens), sum(output_tokens), sum(reported_cost), count(*) filter (where reported_cost is null) from {pipeline.Ledger.Schema}.usage_hourly");
        await using var reader = await cmd.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((long)payloads.Count, reader.GetInt64(0));
        Assert.Equal(payloads.Sum(p => p["prompt_tokens"]!.GetValue<long>()), reader.GetInt64(1));
        Assert.Equal(payloads.Sum(p => p["completion_tokens"]!.GetValue<long>()), reader.GetInt64(2));
        Assert.Equal(reported, reader.GetDecimal(3));
        Assert.Equal(payloads.Count(p => p["response_cost"] is null), reader.GetInt64(4));
        Assert.Equal(first.ReportedCostUsd, reported);
    }

    private LiteLlmImportSummary Import(string path, string topic)
    {
        using var importer = new LiteLlmImporter(new IngestOptions { BootstrapServers = infra.Kafka.BootstrapServers }, topic, new StandardLoggingPayloadMapper(new LiteLlmOptions(), TimeProvider.System));
        importer.ImportFile(path);
        return importer.Summary;
    }

    private void Produce(string topic, string key, string payload)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = infra.Kafka.BootstrapServers, Acks = Acks.All }).Build();
        var delivered = producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = Encoding.UTF8.GetBytes(payload) }).GetAwaiter().GetResult();
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
    }
}
