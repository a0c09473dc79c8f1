using Marten;
using TrueCost.Contracts;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Ingest.GpuSamples;
using TrueCost.Ingest.Incidents;
using TrueCost.Ingest.InvoiceLines;
using TrueCost.Ingest.Pipeline;
using TrueCost.Ingest.RequestLogs;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Ledger.GpuSamples;
using TrueCost.Ledger.Incidents;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.RequestLogs;
using TrueCost.Ledger.Storage;

namespace TrueCost.IntegrationTests.BadInput;

/// <summary>What the pipeline's own parser says of one record value: the id it is stored under, or why it is rejected.</summary>
public readonly record struct Verdict(string? Id, string? Error)
{
    public bool IsValid => Id is not null;
}

/// <summary>
/// The four input topics seen from outside the pipeline: each record judged by the same parser,
/// storability check and record-id rule the ingest pipeline uses, and each topic's stored record
/// ids read back from the events.
/// </summary>
public static class TopicVerdicts
{
    private static readonly IngestOptions Unprefixed = new();
    private static readonly GpuSampleSource GpuSamples = new(TimeProvider.System, Unprefixed);

    private static readonly Dictionary<string, Func<byte[], Verdict>> Judges = new()
    {
        [Topics.RequestLogs] = Judge(new RequestLogSource(TimeProvider.System, Unprefixed)),
        [Topics.GpuSamples] = Judge(GpuSamples),
        [Topics.InvoiceLines] = Judge(new InvoiceLineSource(TimeProvider.System, Unprefixed)),
        [Topics.Incidents] = Judge(new IncidentSource(TimeProvider.System, Unprefixed)),
    };

    public static Verdict Of(string topic, byte[] value) => Judges[topic](value);

    /// <summary>Record ids in the ledger's events per (unprefixed) topic, repeats included; GPU samples as <c>uuid@timestamp</c> like <see cref="GpuSampleSource"/>.</summary>
    public static async Task<Dictionary<string, List<string>>> StoredIdsAsync(PipelineUnderTest pipeline)
    {
        using var store = LedgerStore.CreateStore(pipeline.Postgres, pipeline.Ledger);
        await using var session = store.QuerySession();
        var requests = await session.Events.QueryRawEventDataOnly<RequestsRecorded>().ToListAsync();
        var samples = await session.Events.QueryRawEventDataOnly<GpuSamplesRecorded>().ToListAsync();
        var lines = await session.Events.QueryRawEventDataOnly<InvoiceLinesRecorded>().ToListAsync();
        var incidents = await session.Events.QueryAllRawEvents().ToListAsync();
        return new Dictionary<string, List<string>>
        {
            [Topics.RequestLogs] = [.. requests.SelectMany(b => b.Requests).Select(r => r.RequestId)],
            [Topics.GpuSamples] = [.. samples.SelectMany(b => b.Samples).Select(s => GpuSampleId(s.GpuUuid, s.Timestamp))],
            [Topics.InvoiceLines] = [.. lines.SelectMany(b => b.Lines).Select(l => l.LineId)],
            [Topics.Incidents] = [.. incidents.Select(e => e.Data).OfType<IIncidentEvent>().Select(e => e.RecordId)],
        };
    }

    /// <summary>The stored sample keeps GPU and timestamp, which is all the source's id rule reads.</summary>
    private static string GpuSampleId(string gpuUuid, DateTimeOffset timestamp) =>
        GpuSamples.RecordId(new GpuSampleRecord
        {
            GpuUuid = gpuUuid,
            Timestamp = timestamp,
            IntervalSeconds = 0,
            Pool = string.Empty,
            Node = string.Empty,
            GpuClass = string.Empty,
            GpuUtilPercent = 0,
        });

    private static Func<byte[], Verdict> Judge<TRecord>(IIngestSource<TRecord> source)
        where TRecord : class =>
        value =>
        {
            var read = new List<SourceRecord<TRecord>>();
            source.Read(value, read);
            return read.Single() is { Record: { } record } ? new Verdict(source.RecordId(record), null) : new Verdict(null, read.Single().Refusal);
        };

    /// <summary>Short topic names for figures: request-logs, gpu-samples, invoice-lines, incidents.</summary>
    public static string ShortName(string topic) => topic.Split('.')[1];
}
