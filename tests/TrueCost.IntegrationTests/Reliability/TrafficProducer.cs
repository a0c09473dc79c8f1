using System.Diagnostics;
using Confluent.Kafka;
using TrueCost.Synthetic;

namespace TrueCost.IntegrationTests.Reliability;

/// <summary>What a traffic run handed to Kafka: the records, and whether every one was acknowledged.</summary>
public sealed record ProduceReport(IReadOnlyList<SyntheticRecord> Produced, long Resent, long Delivered, long Failed, string? FirstFailure, TimeSpan Elapsed);

/// <summary>
/// Produces records at a steady rate in the background, as live traffic keeps arriving while a
/// worker dies or a broker goes away. The producer is not idempotent (the mock does not enforce it
/// anyway), so retries across an outage may write a record twice: ingest must absorb that.
/// </summary>
public sealed class TrafficProducer : IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromMinutes(3);

    /// <summary>How long the producer waits for a broker's acknowledgement before it sends the request again.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    private readonly string _servers;
    private readonly string _topic;
    private readonly int _perSecond;
    private readonly int _resendEvery;
    private readonly Queue<SyntheticRecord> _resends = new();
    private readonly List<SyntheticRecord> _produced = [];
    private volatile bool _stopped;
    private long _sent;
    private long _resent;
    private long _delivered;
    private long _failed;
    private string? _firstFailure;

    private TrafficProducer(string servers, string topic, int perSecond, int resendEvery)
    {
        _servers = servers;
        _topic = topic;
        _perSecond = perSecond;
        _resendEvery = resendEvery;
    }

    public Task<ProduceReport> Completion { get; private set; } = null!;

    public bool IsDone => Completion.IsCompleted;

    /// <summary>Distinct records handed to the producer so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Produces <paramref name="records"/> in order until they run out or <see cref="Stop"/> is called.</summary>
    /// <param name="resendEvery">
    /// Every this many records one is sent a second time a little later, as an at-least-once producer
    /// does when an acknowledgement is lost; 0 sends each record once.
    /// </param>
    public static TrafficProducer Start(string servers, string topic, IEnumerable<SyntheticRecord> records, int perSecond, int resendEvery = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 10);
        ArgumentOutOfRangeException.ThrowIfNegative(resendEvery);
        var traffic = new TrafficProducer(servers, topic, perSecond, resendEvery);
        traffic.Completion = Task.Run(() => traffic.RunAsync(records));
        return traffic;
    }

    /// <summary>Takes no further records; those already handed over are still delivered.</summary>
    public void Stop() => _stopped = true;

    /// <summary>Stops the traffic, so a test that ends early leaves nothing producing behind it.</summary>
    public void Dispose() => Stop();

    private async Task<ProduceReport> RunAsync(IEnumerable<SyntheticRecord> records)
    {
        var clock = Stopwatch.StartNew();
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = _servers,
            Acks = Acks.All,
            LingerMs = 5,
            // Outlasts every outage the suite injects: a record is delivered late, never given up on.
            MessageTimeoutMs = (int)FlushTimeout.TotalMilliseconds,
            // Short, so a slow broker makes the producer resend what the broker may already have written.
            RequestTimeoutMs = (int)RequestTimeout.TotalMilliseconds,
            ReconnectBackoffMaxMs = 1000,
        })
        .SetLogHandler((_, _) => { })
        .Build();

        using var source = records.GetEnumerator();
        using var tick = new PeriodicTimer(Tick);
        var more = true;
        while (more && !_stopped && await tick.WaitForNextTickAsync())
        {
            var due = (long)((clock.Elapsed + Tick).TotalSeconds * _perSecond);
            while (Sent < due && (more = source.MoveNext()))
            {
                Produce(producer, source.Current);
                Resend(producer, source.Current);
            }
        }

        while (_resends.TryDequeue(out var copy))
        {
            SendAgain(producer, copy);
        }

        // Every record is delivered or has failed within its message timeout, so this returns with nothing outstanding.
        producer.Flush(FlushTimeout);
        return new ProduceReport(_produced, _resent, Interlocked.Read(ref _delivered), Interlocked.Read(ref _failed), _firstFailure, clock.Elapsed);
    }

    private void Produce(IProducer<string, byte[]> producer, SyntheticRecord record)
    {
        Send(producer, record);
        _produced.Add(record);
        Interlocked.Increment(ref _sent);
    }

    /// <summary>Queues every n-th record for a second send a thousand records later, in another ingest batch.</summary>
    private void Resend(IProducer<string, byte[]> producer, SyntheticRecord record)
    {
        if (_resendEvery == 0)
        {
            return;
        }

        if (Sent % _resendEvery == 0)
        {
            _resends.Enqueue(record);
        }

        if (_resends.Count > 1000 / _resendEvery)
        {
            SendAgain(producer, _resends.Dequeue());
        }
    }

    private void SendAgain(IProducer<string, byte[]> producer, SyntheticRecord record)
    {
        Send(producer, record);
        _resent++;
    }

    private void Send(IProducer<string, byte[]> producer, SyntheticRecord record)
    {
        var message = new Message<string, byte[]> { Key = record.Key, Value = record.Value };
        while (true)
        {
            try
            {
                producer.Produce(_topic, message, OnDelivery);
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(Tick);
            }
        }
    }

    private void OnDelivery(DeliveryReport<string, byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.CompareExchange(ref _firstFailure, $"{report.Error.Code}: {report.Error.Reason}", null);
            Interlocked.Increment(ref _failed);
        }
        else
        {
            Interlocked.Increment(ref _delivered);
        }
    }
}
