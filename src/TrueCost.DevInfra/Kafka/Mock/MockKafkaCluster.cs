using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace TrueCost.DevInfra;

/// <summary>
/// librdkafka's mock cluster, started the simplest supported way: a producer configured with
/// <c>test.mock.num.brokers</c> owns it, and it lives exactly as long as that producer. Its brokers
/// listen on 127.0.0.1, so other processes (kcat, workers) can use it too.
/// </summary>
internal sealed class MockKafkaCluster : IKafkaFaults, IDisposable
{
    private static readonly TimeSpan ListenerChangeTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    private readonly IProducer<Null, Null> _owner;
    private readonly SafeHandle _ownerHandle;
    private readonly IntPtr _cluster;
    private readonly IReadOnlyDictionary<int, BrokerMetadata> _brokers;
    private readonly ILogger _logger;
    private int _disposed;

    private MockKafkaCluster(IProducer<Null, Null> owner, SafeHandle ownerHandle, IntPtr cluster, string bootstrapServers, IReadOnlyDictionary<int, BrokerMetadata> brokers, ILogger logger)
    {
        _owner = owner;
        _ownerHandle = ownerHandle;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
        _brokers = brokers;
        _logger = logger;
        BrokerIds = [.. brokers.Keys.Order()];
    }

    public string BootstrapServers { get; }

    public IReadOnlyList<int> BrokerIds { get; }

    public static MockKafkaCluster Start(int brokerCount, ILogger logger)
    {
        var config = new ProducerConfig { ClientId = "truecost-mock-cluster-owner" };
        config.Set("test.mock.num.brokers", brokerCount.ToString(CultureInfo.InvariantCulture));

        // The owner is plumbing, not a client anyone watches: its reconnect errors during injected
        // outages are expected, so they go to debug instead of librdkafka's default stderr.
        var owner = new ProducerBuilder<Null, Null>(config)
            .SetLogHandler((_, m) => logger.LogDebug("mock cluster owner {Facility}: {Message}", m.Facility, m.Message))
            .SetErrorHandler((_, e) => logger.LogDebug("mock cluster owner error {Code}: {Reason}", e.Code, e.Reason))
            .Build();
        var handle = LibrdkafkaMock.KafkaHandleOf(owner);
        var referenced = false;
        try
        {
            // Keeps the rd_kafka_t (and with it the mock cluster) from being freed while this object uses it.
            handle.DangerousAddRef(ref referenced);
            var cluster = LibrdkafkaMock.HandleMockCluster(handle.DangerousGetHandle());
            if (cluster == IntPtr.Zero)
            {
                throw new InvalidOperationException("librdkafka started no mock cluster for a producer configured with test.mock.num.brokers");
            }

            var bootstrap = Marshal.PtrToStringUTF8(LibrdkafkaMock.Bootstraps(cluster))
                ?? throw new InvalidOperationException("the librdkafka mock cluster reported no bootstrap servers");
            return new MockKafkaCluster(owner, handle, cluster, bootstrap, BrokersOf(owner), logger);
        }
        catch
        {
            if (referenced)
            {
                handle.DangerousRelease();
            }

            owner.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The mock answers the CreateTopics admin request by waiting for a controller it never names
    /// (the call times out), so topics are created through the mock API instead.
    /// Replication factor 1: a downed broker then takes its partitions offline, as on a real cluster.
    /// </summary>
    public void CreateTopic(string topic, int partitions)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var error = LibrdkafkaMock.TopicCreate(_cluster, topic, partitions, replicationFactor: 1);
        if (error is not ErrorCode.NoError and not ErrorCode.TopicAlreadyExists)
        {
            throw new KafkaException(new Error(error, $"creating topic {topic} with {partitions} partitions on the mock cluster failed: {error}"));
        }
    }

    public async Task SetBrokerDownAsync(int brokerId, CancellationToken ct = default)
    {
        var broker = Broker(brokerId);
        Check(LibrdkafkaMock.BrokerSetDown(_cluster, brokerId), $"setting broker {brokerId} down");
        await WaitForListenerAsync(broker, listening: false, ct);
        _logger.LogInformation("Mock broker {BrokerId} at {Host}:{Port} is down", brokerId, broker.Host, broker.Port);
    }

    public async Task SetBrokerUpAsync(int brokerId, CancellationToken ct = default)
    {
        var broker = Broker(brokerId);
        Check(LibrdkafkaMock.BrokerSetUp(_cluster, brokerId), $"setting broker {brokerId} up");
        await WaitForListenerAsync(broker, listening: true, ct);
        _logger.LogInformation("Mock broker {BrokerId} at {Host}:{Port} is up", brokerId, broker.Host, broker.Port);
    }

    public void SetBrokerRtt(int brokerId, TimeSpan rtt)
    {
        Broker(brokerId);
        ArgumentOutOfRangeException.ThrowIfLessThan(rtt, TimeSpan.Zero);
        Check(LibrdkafkaMock.BrokerSetRtt(_cluster, brokerId, checked((int)rtt.TotalMilliseconds)), $"setting the round-trip time of broker {brokerId}");
    }

    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentNullException.ThrowIfNull(errors);
        var codes = Array.ConvertAll(errors, e => (int)e);
        LibrdkafkaMock.PushRequestErrors(_cluster, apiKey, (nuint)codes.Length, codes);
    }

    public void ClearRequestErrors(short apiKey)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        LibrdkafkaMock.ClearRequestErrors(_cluster, apiKey);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _ownerHandle.DangerousRelease();

        // Destroying the owner destroys the mock cluster; connected clients see their brokers vanish.
        _owner.Dispose();
    }

    private static Dictionary<int, BrokerMetadata> BrokersOf(IProducer<Null, Null> owner)
    {
        using var admin = new DependentAdminClientBuilder(owner.Handle).Build();
        return admin.GetMetadata(MetadataTimeout).Brokers.ToDictionary(b => b.BrokerId);
    }

    private BrokerMetadata Broker(int brokerId)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return _brokers.TryGetValue(brokerId, out var broker)
            ? broker
            : throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"the mock cluster has brokers {string.Join(", ", BrokerIds)}");
    }

    private static void Check(ErrorCode error, string action)
    {
        if (error != ErrorCode.NoError)
        {
            throw new KafkaException(new Error(error, $"{action} on the mock cluster failed: {error}"));
        }
    }

    /// <summary>
    /// The mock applies up/down on its own thread; waiting until the port answers accordingly means
    /// a test's next step really meets the changed broker.
    /// </summary>
    private static async Task WaitForListenerAsync(BrokerMetadata broker, bool listening, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ListenerChangeTimeout;
        while (await AcceptsConnectionsAsync(broker, ct) != listening)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"mock broker {broker.BrokerId} at {broker.Host}:{broker.Port} still {(listening ? "refuses" : "accepts")} connections {ListenerChangeTimeout.TotalSeconds:0} s after being set {(listening ? "up" : "down")}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(BrokerMetadata broker, CancellationToken ct)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await socket.ConnectAsync(broker.Host, broker.Port, attempt.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return false;
        }
    }
}
