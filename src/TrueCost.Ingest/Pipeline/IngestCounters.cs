using System.Collections.Concurrent;
using TrueCost.Ledger.Allocation;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// Running totals per topic, for progress output, the demo's summary and tests; every batch's outcome is also
/// recorded in <see cref="IngestMetrics"/>, and the failures in a row feed the ingest health check.
/// </summary>
public sealed class IngestCounters
{
    private readonly ConcurrentDictionary<string, TopicCounters> _topics = new();

    public TopicCounters For(string topic) => _topics.GetOrAdd(topic, t => new TopicCounters(t));

    public IReadOnlyDictionary<string, TopicCounters> Topics => _topics;
}

public sealed class TopicCounters(string topic)
{
    /// <summary>Failed attempts to store in a row after which the topic's worker reports unhealthy (about a minute of backoff).</summary>
    public const int FailuresBeforeUnhealthy = 10;

    private long _stored;
    private long _duplicates;
    private long _deadLettered;
    private long _batches;
    private long _lostToRetention;
    private long _resumedFromBroker;
    private long _ignored;
    private int _failures;
    private string? _lastError;

    public long Stored => Interlocked.Read(ref _stored);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Offsets the broker had already deleted when ingest reached them.</summary>
    public long LostToRetention => Interlocked.Read(ref _lostToRetention);

    /// <summary>Assignments that resumed from the broker's committed offsets because PostgreSQL could not be read.</summary>
    public long ResumedFromBroker => Interlocked.Read(ref _resumedFromBroker);

    /// <summary>Records read that are not of the topic's kind (spans that are not LLM calls); never stored.</summary>
    public long Ignored => Interlocked.Read(ref _ignored);

    public long Processed => Stored + Duplicates + DeadLettered + Ignored;

    /// <summary>Whether storing works: unhealthy after <see cref="FailuresBeforeUnhealthy"/> failed attempts in a row, with the last error.</summary>
    public WorkerHealth Health
    {
        get
        {
            var failures = Volatile.Read(ref _failures);
            return new WorkerHealth(failures < FailuresBeforeUnhealthy, failures, failures == 0 ? null : Volatile.Read(ref _lastError));
        }
    }

    internal void CountFailure(Exception e)
    {
        Volatile.Write(ref _lastError, $"{e.GetType().Name}: {e.Message}");
        Interlocked.Increment(ref _failures);
    }

    internal void CountResumedFromBroker() => Interlocked.Increment(ref _resumedFromBroker);

    internal void Add(BatchOutcome outcome)
    {
        Interlocked.Add(ref _stored, outcome.Stored);
        Interlocked.Add(ref _duplicates, outcome.Duplicates);
        Interlocked.Add(ref _deadLettered, outcome.DeadLettered);
        Interlocked.Add(ref _lostToRetention, outcome.LostToRetention);
        Interlocked.Add(ref _ignored, outcome.Ignored);
        Interlocked.Increment(ref _batches);
        Volatile.Write(ref _failures, 0);
        IngestMetrics.Record(topic, outcome);
    }
}

/// <summary>What one committed batch did. Records skipped as already committed elsewhere are not counted.</summary>
/// <param name="Ignored">Records of a message that are not of the topic's kind (an HTTP span among GenAI spans): counted, not stored.</param>
public readonly record struct BatchOutcome(int Stored, int Duplicates, int DeadLettered, int AlreadyCommitted, long LostToRetention, int Ignored = 0);
