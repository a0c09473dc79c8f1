using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Testcontainers.Kafka;

namespace TrueCost.DevInfra;

/// <summary>
/// A Kafka cluster for demos and tests: the one named by <c>TRUECOST_KAFKA</c>, else Apache Kafka
/// in a container where a Docker engine answers, else librdkafka's in-process mock cluster.
/// Clients see the same Kafka protocol on all three.
/// </summary>
public sealed class KafkaCluster : IAsyncDisposable
{
    public const string EnvironmentVariable = "TRUECOST_KAFKA";

    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan TopicReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MetadataRetryInterval = TimeSpan.FromSeconds(2);

    private readonly MockKafkaCluster? _mock;
    private readonly KafkaContainer? _container;
    private readonly TcpForwarder? _forwarder;
    private readonly ILogger _logger;
    private int _disposed;

    private KafkaCluster(KafkaBackend backend, string bootstrapServers, MockKafkaCluster? mock, KafkaContainer? container, TcpForwarder? forwarder, ILogger logger)
    {
        Backend = backend;
        BootstrapServers = bootstrapServers;
        _mock = mock;
        _container = container;
        _forwarder = forwarder;
        _logger = logger;
    }

    /// <summary>Comma-separated host:port list; the fixed forwarded address comes first when one was asked for.</summary>
    public string BootstrapServers { get; }

    public KafkaBackend Backend { get; }

    /// <summary>Fault injection; only the <see cref="KafkaBackend.Mock"/> backend has it.</summary>
    public IKafkaFaults? Faults => _mock;

    public static async Task<KafkaCluster> StartAsync(KafkaClusterOptions? options = null, ILogger? logger = null, CancellationToken ct = default)
    {
        options ??= new KafkaClusterOptions();
        options.Validate();
        logger ??= NullLogger.Instance;
        var backend = options.Backend ?? await ChooseBackendAsync(options.UseExternal, logger, ct);

        MockKafkaCluster? mock = null;
        KafkaContainer? container = null;
        TcpForwarder? forwarder = null;
        try
        {
            string servers;
            switch (backend)
            {
                case KafkaBackend.External:
                    servers = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } external
                        ? external
                        : throw new InvalidOperationException($"the External Kafka backend needs bootstrap servers in {EnvironmentVariable}");
                    break;
                case KafkaBackend.Testcontainers:
                    container = await StartContainerAsync(options.ContainerImage, logger, ct);
                    servers = HostAndPort(container.GetBootstrapAddress());
                    break;
                case KafkaBackend.Mock:
                    mock = MockKafkaCluster.Start(options.MockBrokers, logger);
                    servers = mock.BootstrapServers;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(options), backend, "unknown Kafka backend");
            }

            var brokers = await BrokersAsync(backend, servers, logger, ct);
            if (options.FixedBootstrapPort is { } port)
            {
                // Any broker can answer a bootstrap; the lowest id is broker 1 on the mock and in the container.
                var first = brokers.MinBy(b => b.BrokerId)!;
                forwarder = TcpForwarder.Start(port, first.Host, first.Port, logger);
                servers = $"{forwarder.Address},{servers}";
            }

            logger.LogInformation("Kafka ({Backend}, {Brokers} brokers) at {BootstrapServers}", backend, brokers.Count, servers);
            return new KafkaCluster(backend, servers, mock, container, forwarder, logger);
        }
        catch
        {
            if (forwarder is not null)
            {
                await forwarder.DisposeAsync();
            }

            mock?.Dispose();
            if (container is not null)
            {
                await container.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// Creates a topic and waits until every partition has a leader; an existing topic is left as it is.
    /// The mock keeps only about 5 MiB per partition (older batches are evicted), so give topics that
    /// carry bulk data enough partitions and consume them while producing.
    /// </summary>
    public async Task CreateTopicAsync(string topic, int partitions, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        // A short-lived admin client per call: a long-lived one that lived through an outage can keep
        // timing out on metadata long after the brokers are back.
        using var admin = BuildAdmin(BootstrapServers, _logger);
        if (_mock is not null)
        {
            _mock.CreateTopic(topic, partitions);
        }
        else
        {
            try
            {
                // -1 takes the broker's default replication factor (1 in the container, the operator's choice elsewhere).
                await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = -1 }]).WaitAsync(ct);
            }
            catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
            {
                _logger.LogDebug("Topic {Topic} already exists", topic);
            }
        }

        await WaitForLeadersAsync(admin, topic, partitions, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_forwarder is not null)
        {
            await _forwarder.DisposeAsync();
        }

        _mock?.Dispose();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }

    private static async Task<KafkaBackend> ChooseBackendAsync(bool useExternal, ILogger logger, CancellationToken ct)
    {
        if (useExternal && !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EnvironmentVariable)))
        {
            return KafkaBackend.External;
        }

        var docker = await DockerEngine.ProbeAsync(ct);
        if (docker.IsAvailable)
        {
            return KafkaBackend.Testcontainers;
        }

        logger.LogInformation("No Docker engine ({Detail}); using librdkafka's mock cluster", docker.Detail);
        return KafkaBackend.Mock;
    }

    private static async Task<KafkaContainer> StartContainerAsync(string image, ILogger logger, CancellationToken ct)
    {
        var docker = await DockerEngine.ProbeAsync(ct);
        if (!docker.IsAvailable)
        {
            throw new InvalidOperationException($"the Testcontainers Kafka backend needs a Docker engine: {docker.Detail}");
        }

        var container = new KafkaBuilder(image).WithLogger(logger).Build();
        try
        {
            await container.StartAsync(ct);
            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    /// <summary>Testcontainers reports <c>plaintext://host:port/</c>; clients and kcat want host:port.</summary>
    private static string HostAndPort(string address)
    {
        var uri = new Uri(address);
        return $"{uri.Host}:{uri.Port}";
    }

    private static IAdminClient BuildAdmin(string servers, ILogger logger) =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers, ClientId = "truecost-devinfra-admin" })
            .SetLogHandler((_, m) => logger.LogDebug("Kafka admin {Facility}: {Message}", m.Facility, m.Message))
            .SetErrorHandler((_, e) => logger.LogDebug("Kafka admin error {Code}: {Reason}", e.Code, e.Reason))
            .Build();

    /// <summary>Fetching metadata proves a broker answers; for TRUECOST_KAFKA that turns a typo into a clear error.</summary>
    private static async Task<List<BrokerMetadata>> BrokersAsync(KafkaBackend backend, string servers, ILogger logger, CancellationToken ct)
    {
        using var admin = BuildAdmin(servers, logger);
        try
        {
            var metadata = await Task.Run(() => admin.GetMetadata(MetadataTimeout), ct);
            return metadata.Brokers.Count > 0
                ? metadata.Brokers
                : throw new InvalidOperationException($"Kafka ({backend}) at {servers} reported no brokers");
        }
        catch (KafkaException e)
        {
            var source = backend == KafkaBackend.External ? $"{EnvironmentVariable}={servers}" : $"Kafka ({backend}) at {servers}";
            throw new InvalidOperationException($"{source}: no broker answered within {MetadataTimeout.TotalSeconds:0} s ({e.Error.Reason})", e);
        }
    }

    private async Task WaitForLeadersAsync(IAdminClient admin, string topic, int partitions, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TopicReadyTimeout;
        var state = "no metadata yet";
        while (DateTime.UtcNow < deadline)
        {
            Metadata metadata;
            try
            {
                metadata = await Task.Run(() => admin.GetMetadata(topic, MetadataRetryInterval), ct);
            }
            catch (KafkaException e)
            {
                // A broker that just came back may not answer the first request; the deadline bounds the retries.
                state = e.Error.Reason;
                continue;
            }

            var described = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
            if (described is { Error.IsError: false } && described.Partitions.Count > 0 && described.Partitions.All(p => p.Leader >= 0))
            {
                if (described.Partitions.Count != partitions)
                {
                    _logger.LogWarning("Topic {Topic} already existed with {Existing} partitions, not {Requested}", topic, described.Partitions.Count, partitions);
                }

                return;
            }

            state = described is null ? "topic missing from metadata" : $"{described.Error.Code}, {described.Partitions.Count(p => p.Leader >= 0)} of {described.Partitions.Count} partitions led";
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }

        throw new TimeoutException($"topic {topic} on {BootstrapServers} was not ready within {TopicReadyTimeout.TotalSeconds:0} s ({state})");
    }
}
