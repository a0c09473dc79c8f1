namespace TrueCost.Ingest.Pipeline;

/// <summary>Ingest worker settings; bound from configuration section "Ingest".</summary>
public sealed class IngestOptions
{
    public const string Section = "Ingest";

    public string BootstrapServers { get; set; } = string.Empty;

    public string ConsumerGroup { get; set; } = "truecost-ingest";

    /// <summary>Prepended to every topic name, so several pipelines (or tests) can share one cluster.</summary>
    public string TopicPrefix { get; set; } = string.Empty;

    /// <summary>Records per database transaction.</summary>
    public int BatchSize { get; set; } = 5000;

    /// <summary>
    /// Batches stored at once per topic, each from its own share of the partitions (partition modulo
    /// lanes), so parsing one batch and waiting on PostgreSQL for another overlap.
    /// </summary>
    public int WriteLanes { get; set; } = 2;

    /// <summary>How long a partial batch may wait for more records before it is written.</summary>
    public TimeSpan BatchLinger { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A worker that dies without leaving the group holds its partitions this long.</summary>
    public int SessionTimeoutMs { get; set; } = 10_000;

    /// <summary>Upper bound of the back-off between retries of a batch that failed to store.</summary>
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(10);

    public string TopicFor(string topic) => TopicPrefix + topic;

    /// <summary>The consumer group (and offset-table key) of one input topic.</summary>
    public string GroupFor(string topic) => $"{ConsumerGroup}.{topic}";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            throw new InvalidOperationException("Ingest:BootstrapServers is empty: pass --kafka or set TRUECOST_KAFKA");
        }

        if (BatchSize is < 1 or > 100_000)
        {
            throw new InvalidOperationException($"Ingest:BatchSize {BatchSize} is outside 1..100000");
        }

        if (WriteLanes is < 1 or > 16)
        {
            throw new InvalidOperationException($"Ingest:WriteLanes {WriteLanes} is outside 1..16");
        }

        if (BatchLinger <= TimeSpan.Zero || BatchLinger > TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException($"Ingest:BatchLinger {BatchLinger} is outside (0, 1 min]");
        }
    }
}
