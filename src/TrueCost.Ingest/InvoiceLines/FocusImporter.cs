using System.Text.Json;
using Confluent.Kafka;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.Ingest.InvoiceLines;

/// <summary>Money of the produced lines in one billing currency, summed exactly.</summary>
public readonly record struct CurrencyTotals(long Lines, decimal BilledCost, decimal EffectiveCost);

/// <summary>What an import read, produced and rejected, across all its files.</summary>
public sealed class FocusImportSummary
{
    /// <summary>Rejection reasons kept for the summary; beyond this only the count grows, so a broken file cannot fill memory.</summary>
    public const int KeptRejections = 20;

    private readonly List<string> _rejections = [];
    private readonly SortedDictionary<string, CurrencyTotals> _totals = new(StringComparer.Ordinal);

    public int Files { get; internal set; }

    public long RowsRead { get; private set; }

    /// <summary>Rows accepted and handed to the producer; <see cref="FocusImporter.ImportFile"/> returns only once all were delivered.</summary>
    public long Produced { get; private set; }

    public long Rejected { get; private set; }

    /// <summary>The first <see cref="KeptRejections"/> reasons, each naming its file and row.</summary>
    public IReadOnlyList<string> Rejections => _rejections;

    public IReadOnlyDictionary<string, CurrencyTotals> Totals => _totals;

    public void Add(FocusRow row)
    {
        RowsRead++;
        if (row.Record is not { } line)
        {
            Rejected++;
            if (_rejections.Count < KeptRejections)
            {
                _rejections.Add(row.Error!);
            }

            return;
        }

        Produced++;
        var totals = _totals.GetValueOrDefault(line.BillingCurrency);
        _totals[line.BillingCurrency] = new CurrencyTotals(totals.Lines + 1, totals.BilledCost + line.BilledCost, totals.EffectiveCost + line.EffectiveCost);
    }
}

/// <summary>
/// Produces the accepted rows of FOCUS files to the invoice-line topic with one long-lived producer
/// (acks from all in-sync replicas, idempotent), keyed by line id. Each file is flushed before
/// <see cref="ImportFile"/> returns, and any delivery failure fails the import.
/// </summary>
public sealed class FocusImporter : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly FocusCsvReader _reader;
    private readonly string _topic;
    private long _failed;
    private string? _firstFailure;

    public FocusImporter(IngestOptions kafka, string topic, TimeProvider clock)
    {
        _topic = topic;
        _reader = new FocusCsvReader(clock);
        _producer = new ProducerBuilder<string, byte[]>(SourceProducerConfig.Create(kafka, "truecost-import-focus", lingerMs: 20)).Build();
    }

    public FocusImportSummary Summary { get; } = new();

    /// <summary>
    /// Reads one FOCUS file and produces its accepted rows; <paramref name="progress"/> gets the bytes read so far by
    /// the second of the reader's two passes (the first only hashes each import scope, see <see cref="FocusImportIdentity"/>).
    /// </summary>
    /// <exception cref="FocusFileException">The file cannot be read, or some of its lines were not delivered.</exception>
    public void ImportFile(string path, Action<long>? progress = null, CancellationToken ct = default)
    {
        var fileName = Path.GetFileName(path);
        using (var stream = File.OpenRead(path))
        {
            foreach (var row in _reader.Read(stream, fileName))
            {
                ct.ThrowIfCancellationRequested();
                if (row.Record is { } line)
                {
                    Produce(line);
                }

                Summary.Add(row);
                progress?.Invoke(stream.Position);
            }
        }

        _producer.Flush(ct);
        Summary.Files++;
        if (Interlocked.Read(ref _failed) is var failed and > 0)
        {
            throw new FocusFileException(
                $"invoice file {fileName}: {failed} line(s) were not delivered to {_topic} ({_firstFailure}); " +
                "import the file again: its import and line ids do not change, so the ingest stores each line once");
        }
    }

    public void Dispose() => _producer.Dispose();

    private void Produce(InvoiceLineRecord line)
    {
        var message = new Message<string, byte[]> { Key = line.LineId, Value = JsonSerializer.SerializeToUtf8Bytes(line, WireJson.Options) };
        while (true)
        {
            try
            {
                _producer.Produce(_topic, message, OnDelivered);
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The local queue drains as the broker acknowledges; serving delivery reports makes room.
                _producer.Poll(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private void OnDelivered(DeliveryReport<string, byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.CompareExchange(ref _firstFailure, $"line {report.Message.Key}: {report.Error.Reason}", null);
            Interlocked.Increment(ref _failed);
        }
    }
}
