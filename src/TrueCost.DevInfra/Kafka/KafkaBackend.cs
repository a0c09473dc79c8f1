namespace TrueCost.DevInfra;

/// <summary>Where the Kafka cluster of a <see cref="KafkaCluster"/> comes from.</summary>
public enum KafkaBackend
{
    /// <summary>An existing cluster named by bootstrap servers in <c>TRUECOST_KAFKA</c>.</summary>
    External,

    /// <summary>Apache Kafka in a container started through Testcontainers.Kafka; needs a Docker engine.</summary>
    Testcontainers,

    /// <summary>librdkafka's in-process mock cluster: the Kafka wire protocol over TCP, kept in memory.</summary>
    Mock,
}
