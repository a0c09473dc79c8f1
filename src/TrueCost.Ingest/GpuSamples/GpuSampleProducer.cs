using System.Text.Json;
using Confluent.Kafka;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.Ingest.GpuSamples;

/// <summary>
/// Produces native GPU-sample records with one long-lived producer (<see cref="SourceProducerConfig"/>),
/// keyed by GPU so each GPU's samples stay in order on one partition.
/// </summary>
public sealed class GpuSampleProducer : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly string _topic;

    public GpuSampleProducer(IngestOptions kafka, string topic)
    {
        _topic = topic;
        _producer = new ProducerBuilder<string, byte[]>(SourceProducerConfig.Create(kafka, "truecost-scrape", lingerMs: 5)).Build();
    }

    /// <summary>Produces and waits for every delivery; returns the records not delivered and the first reason.</summary>
    public (int Failed, string? FirstError) Produce(IReadOnlyList<GpuSampleRecord> samples, CancellationToken ct)
    {
        var failed = 0;
        string? firstError = null;
        foreach (var sample in samples)
        {
            var value = Serialize(sample);
            _producer.Produce(_topic, new Message<string, byte[]> { Key = sample.GpuUuid, Value = value }, report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, report.Error.Reason, null);
                }
            });
        }

        _producer.Flush(ct);
        return (failed, firstError);
    }

    /// <summary>The record value as the ingest worker's <see cref="GpuSampleParser"/> reads it.</summary>
    public static byte[] Serialize(GpuSampleRecord sample) => JsonSerializer.SerializeToUtf8Bytes(sample, WireJson.Options);

    public void Dispose() => _producer.Dispose();
}
