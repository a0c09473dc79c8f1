using TrueCost.Contracts;
using TrueCost.Contracts.LiteLlm;

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

    /// <summary>
    /// How long a stored record id is remembered (<c>ingested_records</c>): a copy of a record arriving later than
    /// this after the original is stored again. It should exceed the horizon over which a copy can come back: the
    /// topics' retention (Kafka's default is 7 days) for a consumer rewound to the earliest offset, and any replay of
    /// older records. Whole weeks are dropped, so an id is kept between this and this plus 7 days; each week kept
    /// costs the claim one index probe per record.
    /// </summary>
    public int DedupeWindowDays { get; set; } = 14;

    public TimeSpan DedupeWindow => TimeSpan.FromDays(DedupeWindowDays);

    public string TopicFor(string topic) => TopicPrefix + topic;

    /// <summary>The consumer group (and offset-table key) of one input topic.</summary>
    public string GroupFor(string topic) => $"{ConsumerGroup}.{topic}";

    /// <summary>The OpenTelemetry topics (the Collector's Kafka exporter writes them) and how their records are read.</summary>
    public OtlpIngestOptions Otlp { get; set; } = new();

    /// <summary>Section <c>Ingest:Kafka</c>: SASL and TLS for every Kafka client.</summary>
    public KafkaSecurityOptions Kafka { get; set; } = new();

    /// <summary>A client configuration for this broker with <see cref="Kafka"/>'s security settings.</summary>
    public T Client<T>(T config) where T : Confluent.Kafka.ClientConfig => Kafka.Apply(config, BootstrapServers);

    /// <summary>Section <c>Ingest:LiteLlm</c>: LiteLLM's standard logging payloads, their topic and the fields that give them route and tenant.</summary>
    public LiteLlmOptions LiteLlm { get; set; } = new();

    /// <summary>Everything a worker needs, the broker's address included.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            throw new InvalidOperationException("Ingest:BootstrapServers is empty: pass --kafka or set TRUECOST_KAFKA");
        }

        ValidateValues();
    }

    /// <summary>The values a configuration file sets (checked at start of every command, before a broker is known).</summary>
    public void ValidateValues()
    {
        Kafka.Validate();
        Otlp.Validate();
        LiteLlm.Validate();
        if (LiteLlm.Topic == Otlp.SpansTopic || LiteLlm.Topic == Otlp.MetricsTopic || Topics.All.Contains(LiteLlm.Topic))
        {
            throw new InvalidOperationException($"Ingest:LiteLlm:Topic '{LiteLlm.Topic}' is another source's topic; LiteLLM payloads need their own");
        }

        if (BatchSize is < 1 or > 100_000)
        {
            throw new InvalidOperationException($"Ingest:BatchSize {BatchSize} is outside 1..100000");
        }

        if (WriteLanes is < 1 or > 16)
        {
            throw new InvalidOperationException($"Ingest:WriteLanes {WriteLanes} is outside 1..16");
        }

        if (SessionTimeoutMs is < 2000 or > 300_000)
        {
            // The worker heartbeats at least every second, and a session must outlast a few heartbeats.
            throw new InvalidOperationException($"Ingest:SessionTimeoutMs {SessionTimeoutMs} is outside 2000..300000");
        }

        if (DedupeWindowDays is < 7 or > 3660)
        {
            throw new InvalidOperationException($"Ingest:DedupeWindowDays {DedupeWindowDays} is outside 7..3660 (it must exceed the topics' retention and any replay)");
        }

        if (BatchLinger <= TimeSpan.Zero || BatchLinger > TimeSpan.FromMinutes(1))
        {
            throw new InvalidOperationException($"Ingest:BatchLinger {BatchLinger} is outside (0, 1 min]");
        }
    }
}
