using Confluent.Kafka;
using TrueCost.Synthetic;

namespace TrueCost.Cli.Infrastructure;

/// <summary>Produces generated records to their topics with one producer, waiting for every delivery.</summary>
public static class SyntheticProducer
{
    public static void Produce(string bootstrap, IEnumerable<SyntheticRecord> records, Action<bool> produced)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = Acks.All,
            LingerMs = 20,
            BatchSize = 1_000_000,
            CompressionType = CompressionType.Lz4,
            // Only the delivery status is read; the client would otherwise copy headers and timestamp into every report.
            DeliveryReportFields = "status",
        }).Build();
        var failed = 0L;
        foreach (var record in records)
        {
            while (true)
            {
                try
                {
                    producer.Produce(record.Topic, new Message<string, byte[]> { Key = record.Key, Value = record.Value }, report =>
                    {
                        if (report.Error.IsError)
                        {
                            Interlocked.Increment(ref failed);
                        }
                    });
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }

            produced(record.Valid);
        }

        producer.Flush(Timeout.InfiniteTimeSpan);
        if (Interlocked.Read(ref failed) > 0)
        {
            throw new CliException($"{failed} records could not be produced to Kafka");
        }
    }
}
