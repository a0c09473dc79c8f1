using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;

namespace TrueCost.IntegrationTests.Infrastructure;

/// <summary>A set of consumed or produced values reduced to count, distinct count and an order-independent checksum.</summary>
public readonly record struct MessageDigest(int Count, int Distinct, string Checksum)
{
    public static MessageDigest Of(IReadOnlyCollection<string> values)
    {
        var xor = new byte[32];
        foreach (var value in values)
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(value));
            for (var i = 0; i < xor.Length; i++)
            {
                xor[i] ^= hash[i];
            }
        }

        return new MessageDigest(values.Count, values.Distinct(StringComparer.Ordinal).Count(), Convert.ToHexString(xor));
    }
}

/// <summary>Produces numbered messages and reads them back through a consumer group.</summary>
public static class KafkaRoundTrip
{
    public static IReadOnlyList<string> Values(int count) =>
        [.. Enumerable.Range(0, count).Select(i => $"message-{i:D6}")];

    /// <summary>Produces every value (keyed by itself, so they spread over partitions) and waits for all deliveries.</summary>
    public static void Produce(string bootstrapServers, string topic, IReadOnlyList<string> values)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrapServers, Acks = Acks.All, LingerMs = 5 }).Build();
        var failures = new List<string>();
        foreach (var value in values)
        {
            producer.Produce(topic, new Message<string, string> { Key = value, Value = value }, report =>
            {
                if (report.Error.IsError)
                {
                    lock (failures)
                    {
                        failures.Add($"{report.Message.Value}: {report.Error.Reason}");
                    }
                }
            });
        }

        var undelivered = producer.Flush(TimeSpan.FromSeconds(60));
        Assert.Equal(0, undelivered);
        Assert.Empty(failures);
    }

    /// <summary>Consumes from the beginning in a fresh consumer group until <paramref name="expected"/> messages arrived or the timeout passed.</summary>
    public static IReadOnlyList<ConsumeResult<string, string>> Consume(string bootstrapServers, string topic, int expected, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"round-trip-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var consumed = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + timeout;
        while (consumed.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                consumed.Add(result);
            }
        }

        // Leaving without Close() would stall the group's partitions for session.timeout.ms.
        consumer.Close();
        return consumed;
    }

    /// <summary>Produces <paramref name="count"/> messages and asserts that a consumer group reads back exactly them, from every partition.</summary>
    public static async Task AssertRoundTripAsync(string bootstrapServers, string topic, int count, int partitions)
    {
        var values = Values(count);
        await Task.Run(() => Produce(bootstrapServers, topic, values));
        var consumed = await Task.Run(() => Consume(bootstrapServers, topic, count, TimeSpan.FromSeconds(90)));

        Assert.Equal(MessageDigest.Of(values), MessageDigest.Of([.. consumed.Select(c => c.Message.Value)]));
        Assert.Equal(partitions, consumed.Select(c => c.Partition.Value).Distinct().Count());
    }
}
