using Confluent.Kafka;

namespace TrueCost.DevInfra;

/// <summary>
/// Fault injection into the embedded mock cluster, for reliability tests. Only
/// <see cref="KafkaBackend.Mock"/> offers it; real brokers are faulted by stopping them.
/// </summary>
public interface IKafkaFaults
{
    IReadOnlyList<int> BrokerIds { get; }

    /// <summary>Drops the broker's connections and refuses new ones; completes once its port refuses connections.</summary>
    Task SetBrokerDownAsync(int brokerId, CancellationToken ct = default);

    /// <summary>Lets the broker accept connections again; completes once its port accepts them.</summary>
    Task SetBrokerUpAsync(int brokerId, CancellationToken ct = default);

    /// <summary>Delays every response from the broker by <paramref name="rtt"/>; <see cref="TimeSpan.Zero"/> removes the delay.</summary>
    void SetBrokerRtt(int brokerId, TimeSpan rtt);

    /// <summary>
    /// Makes the next <c>errors.Length</c> requests with <paramref name="apiKey"/> (see <see cref="KafkaApiKeys"/>),
    /// to any broker from any client, fail with these errors, in order.
    /// </summary>
    void PushRequestErrors(short apiKey, params ErrorCode[] errors);

    /// <summary>Drops errors pushed for <paramref name="apiKey"/> that no request has consumed yet.</summary>
    void ClearRequestErrors(short apiKey);
}

/// <summary>Kafka protocol request types (ApiKey) that fault injection commonly targets.</summary>
public static class KafkaApiKeys
{
    public const short Produce = 0;
    public const short Fetch = 1;
    public const short Metadata = 3;
    public const short OffsetCommit = 8;
    public const short FindCoordinator = 10;
    public const short JoinGroup = 11;
    public const short Heartbeat = 12;
    public const short SyncGroup = 14;
}
