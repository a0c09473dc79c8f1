using System.Collections.Concurrent;

namespace TrueCost.Ingest.Pipeline;

/// <summary>Running totals per topic, for progress output, the demo's summary and tests.</summary>
public sealed class IngestCounters
{
    private readonly ConcurrentDictionary<string, TopicCounters> _topics = new();

    public TopicCounters For(string topic) => _topics.GetOrAdd(topic, _ => new TopicCounters());

    public IReadOnlyDictionary<string, TopicCounters> Topics => _topics;
}

public sealed class TopicCounters
{
    private long _stored;
    private long _duplicates;
    private long _deadLettered;
    private long _batches;
    private long _lostToRetention;
    private long _resumedFromBroker;
    private long _ignored;

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

    internal void CountResumedFromBroker() => Interlocked.Increment(ref _resumedFromBroker);

    internal void Add(BatchOutcome outcome)
    {
        Interlocked.Add(ref _stored, outcome.Stored);
        Interlocked.Add(ref _duplicates, outcome.Duplicates);
        Interlocked.Add(ref _deadLettered, outcome.DeadLettered);
        Interlocked.Add(ref _lostToRetention, outcome.LostToRetention);
        Interlocked.Add(ref _ignored, outcome.Ignored);
        Interlocked.Increment(ref _batches);
    }
}

/// <summary>What one committed batch did. Records skipped as already committed elsewhere are not counted.</summary>
/// <param name="Ignored">Records of a message that are not of the topic's kind (an HTTP span among GenAI spans): counted, not stored.</param>
public readonly record struct BatchOutcome(int Stored, int Duplicates, int DeadLettered, int AlreadyCommitted, long LostToRetention, int Ignored = 0);
