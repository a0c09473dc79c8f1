namespace TrueCost.DevInfra;

public sealed class KafkaClusterOptions
{
    public const string DefaultContainerImage = "apache/kafka:4.1.1";

    /// <summary>Brokers in the mock cluster; more brokers spread partition leaders, as a real cluster does.</summary>
    public int MockBrokers { get; init; } = 3;

    /// <summary>
    /// A local port forwarded to the first broker, reported first in <see cref="KafkaCluster.BootstrapServers"/>,
    /// so a person can point kcat at an address that survives restarts (mock brokers listen on random ports).
    /// 0 picks a free port.
    /// </summary>
    public int? FixedBootstrapPort { get; init; }

    /// <summary>
    /// Null chooses: <c>TRUECOST_KAFKA</c> if set (and <see cref="UseExternal"/>), else Testcontainers if a Docker engine
    /// answers, else the mock. A value forces that backend and fails if it cannot start.
    /// </summary>
    public KafkaBackend? Backend { get; init; }

    /// <summary>
    /// On by default: when <see cref="Backend"/> is null, a cluster named by <c>TRUECOST_KAFKA</c> is chosen first. Off for
    /// <c>truecost dev</c> and <c>demo</c>, whose broker is their own: the <c>TRUECOST_KAFKA</c> an earlier dev session
    /// exported into the shell must not point them at its stopped broker.
    /// </summary>
    public bool UseExternal { get; init; } = true;

    /// <summary>The image for <see cref="KafkaBackend.Testcontainers"/>; the same Kafka as docker-compose.yml.</summary>
    public string ContainerImage { get; init; } = DefaultContainerImage;

    internal void Validate()
    {
        if (MockBrokers is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(MockBrokers), MockBrokers, "the mock cluster takes 1..32 brokers");
        }

        if (FixedBootstrapPort is < 0 or > 65_535)
        {
            throw new ArgumentOutOfRangeException(nameof(FixedBootstrapPort), FixedBootstrapPort, "a TCP port is within 0..65535");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(ContainerImage);
    }
}
