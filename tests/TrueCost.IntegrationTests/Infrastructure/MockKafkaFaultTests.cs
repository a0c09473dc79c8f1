using System.Diagnostics;
using Confluent.Kafka;
using TrueCost.DevInfra;

namespace TrueCost.IntegrationTests.Infrastructure;

/// <summary>
/// Fault injection on the shared mock cluster. The "infrastructure" collection runs its tests one
/// at a time, so a fault here never hits another test; each test still undoes its fault.
/// </summary>
[Collection("infrastructure")]
public class MockKafkaFaultTests(InfrastructureFixture infra)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task With_every_broker_down_a_produce_times_out_and_once_they_are_up_it_is_delivered()
    {
        var faults = MockFaults();
        var topic = await infra.NewTopicAsync("brokers-down", partitions: 3);

        // A short reconnect back-off lets the same producer find the brokers again within its message timeout.
        using var producer = Producer(new ProducerConfig { MessageTimeoutMs = 3000, ReconnectBackoffMaxMs = 500 });
        await producer.ProduceAsync(topic, Message("before")).WaitAsync(Patience);
        try
        {
            foreach (var broker in faults.BrokerIds)
            {
                await faults.SetBrokerDownAsync(broker);
            }

            var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(() => producer.ProduceAsync(topic, Message("during")).WaitAsync(Patience));
            Assert.Equal(ErrorCode.Local_MsgTimedOut, failure.Error.Code);
        }
        finally
        {
            foreach (var broker in faults.BrokerIds)
            {
                await faults.SetBrokerUpAsync(broker);
            }
        }

        var delivered = await producer.ProduceAsync(topic, Message("after")).WaitAsync(Patience);
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
    }

    [SkippableFact]
    public async Task Pushed_produce_errors_fail_a_producer_without_retries_and_are_retried_through_by_a_default_one()
    {
        var faults = MockFaults();
        var topic = await infra.NewTopicAsync("produce-errors", partitions: 1);
        using var noRetries = Producer(new ProducerConfig { MessageSendMaxRetries = 0 });
        using var retrying = Producer(new ProducerConfig());
        try
        {
            faults.PushRequestErrors(KafkaApiKeys.Produce, ErrorCode.NotEnoughReplicas);
            var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(() => noRetries.ProduceAsync(topic, Message("rejected")).WaitAsync(Patience));
            Assert.Equal(ErrorCode.NotEnoughReplicas, failure.Error.Code);

            faults.PushRequestErrors(KafkaApiKeys.Produce, ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicas);
            var delivered = await retrying.ProduceAsync(topic, Message("retried")).WaitAsync(Patience);
            Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        }
        finally
        {
            faults.ClearRequestErrors(KafkaApiKeys.Produce);
        }

        var stored = await Task.Run(() => KafkaRoundTrip.Consume(infra.Kafka.BootstrapServers, topic, expected: 1, Patience));
        Assert.Equal(["retried"], stored.Select(s => s.Message.Value));
    }

    [SkippableFact]
    public async Task A_broker_round_trip_time_delays_every_acknowledgement()
    {
        var faults = MockFaults();
        var topic = await infra.NewTopicAsync("rtt", partitions: 1);
        using var producer = Producer(new ProducerConfig { LingerMs = 0 });
        await producer.ProduceAsync(topic, Message("warm-up")).WaitAsync(Patience);
        var rtt = TimeSpan.FromMilliseconds(400);
        TimeSpan elapsed;
        try
        {
            foreach (var broker in faults.BrokerIds)
            {
                faults.SetBrokerRtt(broker, rtt);
            }

            var clock = Stopwatch.StartNew();
            await producer.ProduceAsync(topic, Message("delayed")).WaitAsync(Patience);
            elapsed = clock.Elapsed;
        }
        finally
        {
            foreach (var broker in faults.BrokerIds)
            {
                faults.SetBrokerRtt(broker, TimeSpan.Zero);
            }
        }

        Assert.True(elapsed >= rtt - TimeSpan.FromMilliseconds(20), $"acknowledged after {elapsed.TotalMilliseconds:0} ms despite a {rtt.TotalMilliseconds:0} ms round trip");
    }

    private IKafkaFaults MockFaults()
    {
        Skip.If(infra.Kafka.Faults is null, $"fault injection needs the mock Kafka backend; this run uses {infra.Kafka.Backend} at {infra.Kafka.BootstrapServers}");
        return infra.Kafka.Faults!;
    }

    private IProducer<string, string> Producer(ProducerConfig config)
    {
        config.BootstrapServers = infra.Kafka.BootstrapServers;

        // Connection failures are the point of these tests; librdkafka's default handler would print each one to stderr.
        return new ProducerBuilder<string, string>(config).SetLogHandler((_, _) => { }).Build();
    }

    private static Message<string, string> Message(string value) => new() { Key = value, Value = value };
}
