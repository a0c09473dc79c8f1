using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using TrueCost.Contracts.LiteLlm;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.Ingest.LiteLlm;

/// <summary>What an import of LiteLLM payloads read, produced and refused, across all its files.</summary>
public sealed class LiteLlmImportSummary
{
    /// <summary>Refusal reasons kept for the summary; beyond this only the count grows, so a broken file cannot fill memory.</summary>
    public const int KeptRefusals = 20;

    private readonly List<string> _refusals = [];

    public int Files { get; internal set; }

    public long Read { get; private set; }

    /// <summary>Payloads handed to the producer; <see cref="LiteLlmImporter.ImportFile"/> returns only once all were delivered.</summary>
    public long Produced { get; private set; }

    public long Refused { get; private set; }

    /// <summary>LiteLLM's own cost of the produced payloads (USD), for comparison with what TrueCost prices them at.</summary>
    public decimal ReportedCostUsd { get; private set; }

    /// <summary>Produced payloads whose response_cost was null or absent (LiteLLM could not price them).</summary>
    public long WithoutReportedCost { get; private set; }

    public IReadOnlyList<string> Refusals => _refusals;

    internal void Producing(decimal? reportedCost)
    {
        Read++;
        Produced++;
        if (reportedCost is { } cost)
        {
            ReportedCostUsd += cost;
        }
        else
        {
            WithoutReportedCost++;
        }
    }

    internal void Refusing(string reason)
    {
        Read++;
        Refused++;
        if (_refusals.Count < KeptRefusals)
        {
            _refusals.Add(reason);
        }
    }
}

/// <summary>
/// Produces LiteLLM standard logging payloads from files (one JSON object per line, or one JSON array of them)
/// to the LiteLLM topic, keyed by payload id, with one long-lived producer (acks from all in-sync replicas,
/// idempotent). Each payload is first mapped with the configuration the ingest worker uses: a payload the
/// mapper refuses is not produced, and its reason, naming the file and line or element, is kept for the summary.
/// A produced payload is the file's own bytes, so the worker reads exactly what LiteLLM wrote.
/// </summary>
public sealed class LiteLlmImporter : IDisposable
{
    private readonly IProducer<string?, byte[]> _producer;
    private readonly StandardLoggingPayloadMapper _mapper;
    private readonly string _topic;
    private long _failed;
    private string? _firstFailure;

    public LiteLlmImporter(IngestOptions kafka, string topic, StandardLoggingPayloadMapper mapper)
    {
        _topic = topic;
        _mapper = mapper;
        _producer = new ProducerBuilder<string?, byte[]>(SourceProducerConfig.Create(kafka, "truecost-import-litellm", lingerMs: 20)).Build();
    }

    public LiteLlmImportSummary Summary { get; } = new();

    /// <exception cref="LiteLlmFileException">The file cannot be read as JSON lines or a JSON array, or some payloads were not delivered.</exception>
    public void ImportFile(string path, CancellationToken ct = default)
    {
        var fileName = Path.GetFileName(path);
        foreach (var (where, payload) in Payloads(path, fileName))
        {
            ct.ThrowIfCancellationRequested();
            var mapped = _mapper.Map(payload);
            if (!mapped.IsValid)
            {
                Summary.Refusing($"{where}: {mapped.Error}");
                continue;
            }

            Produce(mapped.Record!.RequestId, payload);
            Summary.Producing(mapped.Record.ReportedCost);
        }

        _producer.Flush(ct);
        Summary.Files++;
        if (Interlocked.Read(ref _failed) is var failed and > 0)
        {
            throw new LiteLlmFileException(
                $"LiteLLM file {fileName}: {failed} payload(s) were not delivered to {_topic} ({_firstFailure}); " +
                "import the file again: payloads are stored once per id");
        }
    }

    public void Dispose() => _producer.Dispose();

    /// <summary>Each payload with where it is: a JSON array's elements, else the file's non-blank lines.</summary>
    private static IEnumerable<(string Where, byte[] Payload)> Payloads(string path, string fileName)
    {
        using var stream = File.OpenRead(path);
        if (FirstSignificantByte(stream) == '[')
        {
            stream.Position = 0;
            var index = 0;
            IEnumerable<JsonElement> elements;
            try
            {
                elements = [.. JsonSerializer.Deserialize<JsonElement[]>(stream) ?? []];
            }
            catch (JsonException e)
            {
                throw new LiteLlmFileException($"LiteLLM file {fileName} starts a JSON array but is not one: {e.Message}");
            }

            foreach (var element in elements)
            {
                yield return ($"{fileName} element {index++}", Encoding.UTF8.GetBytes(element.GetRawText()));
            }

            yield break;
        }

        stream.Position = 0;
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                yield return ($"{fileName} line {number}", Encoding.UTF8.GetBytes(line));
            }
        }
    }

    private static int FirstSignificantByte(Stream stream)
    {
        int b;
        do
        {
            b = stream.ReadByte();
        }
        while (b is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF);

        return b;
    }

    private void Produce(string key, byte[] payload)
    {
        var message = new Message<string?, byte[]> { Key = key, Value = payload };
        while (true)
        {
            try
            {
                _producer.Produce(_topic, message, OnDelivered);
                return;
            }
            catch (ProduceException<string?, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The local queue drains as the broker acknowledges; serving delivery reports makes room.
                _producer.Poll(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private void OnDelivered(DeliveryReport<string?, byte[]> report)
    {
        if (report.Error.IsError)
        {
            Interlocked.CompareExchange(ref _firstFailure, $"payload {report.Message.Key}: {report.Error.Reason}", null);
            Interlocked.Increment(ref _failed);
        }
    }
}

public sealed class LiteLlmFileException(string message) : Exception(message);
