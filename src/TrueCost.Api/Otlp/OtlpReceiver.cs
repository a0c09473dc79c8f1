using System.IO.Compression;
using Confluent.Kafka;
using TrueCost.Contracts.Metrics;
using TrueCost.Contracts.Otlp;
using TrueCost.Ingest.Otlp;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.Api.Otlp;

/// <summary>
/// The OTLP/HTTP receiver: <c>POST /v1/traces</c> and <c>POST /v1/metrics</c> with <c>application/x-protobuf</c>
/// or <c>application/json</c> bodies, plain or gzip. A request is read whole first, so a body that is not an
/// OTLP export at all is answered 400 and never reaches Kafka; otherwise the body (decompressed, in the encoding
/// it came in) is produced as one message to the span or metric topic, and the answer waits for the broker's
/// acknowledgement from all in-sync replicas. Kafka stays the source of truth: the ingest workers read the
/// topics exactly as they read the Collector's Kafka exporter, and dead-letter the spans this receiver counted
/// as rejected in its partial-success answer. A broker that does not acknowledge is answered 503, which OTLP
/// exporters retry.
/// </summary>
public sealed class OtlpReceiver(IngestOptions ingest, TimeProvider clock, ILogger<OtlpReceiver> logger) : IDisposable
{
    /// <summary>The largest body accepted after decompression; the compressed body is bounded by Kestrel's 30 MB.</summary>
    public const int MaxBodyBytes = 64 * 1024 * 1024;

    /// <summary><c>google.rpc.Code.UNAVAILABLE</c>: the exporter should retry.</summary>
    private const int Unavailable = 14;

    private readonly IProducer<byte[]?, byte[]> _producer =
        new ProducerBuilder<byte[]?, byte[]>(ProducerConfig(ingest)).Build();

    private readonly GenAiSpanMapping _spans = ingest.Otlp.Spans;

    public string SpansTopic { get; } = ingest.TopicFor(ingest.Otlp.SpansTopic);

    public string MetricsTopic { get; } = ingest.TopicFor(ingest.Otlp.MetricsTopic);

    public Task<IResult> TracesAsync(HttpRequest request, CancellationToken ct) =>
        ReceiveAsync(request, SpansTopic, CountRejectedSpans, OtlpExportResponse.Traces, ct);

    public Task<IResult> MetricsAsync(HttpRequest request, CancellationToken ct) =>
        ReceiveAsync(request, MetricsTopic, CountRejectedPoints, OtlpExportResponse.Metrics, ct);

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }

    private async Task<IResult> ReceiveAsync(
        HttpRequest request,
        string topic,
        Func<byte[], OtlpEncoding, (long Rejected, string? Message)> screen,
        Func<long, string?, OtlpEncoding, byte[]> answer,
        CancellationToken ct)
    {
        if (EncodingOf(request.ContentType) is not { } encoding)
        {
            return Failure(StatusCodes.Status415UnsupportedMediaType, $"Content-Type '{request.ContentType}' is not application/x-protobuf or application/json", OtlpEncoding.OtlpProto);
        }

        var pinned = ingest.Otlp.WireEncoding;
        if (pinned != OtlpEncoding.Auto && pinned != encoding)
        {
            return Failure(StatusCodes.Status415UnsupportedMediaType, $"the topics are configured for {ingest.Otlp.Encoding} only (Ingest:Otlp:Encoding); send {OtlpExportResponse.ContentType(pinned)}", encoding);
        }

        byte[] body;
        try
        {
            body = await ReadBodyAsync(request, ct);
        }
        catch (InvalidDataException e)
        {
            return Failure(StatusCodes.Status400BadRequest, $"body cannot be read: {e.Message}", encoding);
        }

        (long Rejected, string? Message) screened;
        try
        {
            screened = screen(body, encoding);
        }
        catch (OtlpFormatException e)
        {
            return Failure(StatusCodes.Status400BadRequest, $"not an OTLP export request: {e.Message}", encoding);
        }

        try
        {
            await _producer.ProduceAsync(topic, new Message<byte[]?, byte[]> { Value = body }, ct);
        }
        catch (ProduceException<byte[]?, byte[]> e) when (e.Error.Code == ErrorCode.MsgSizeTooLarge)
        {
            return Failure(StatusCodes.Status413PayloadTooLarge, $"{body.Length} bytes is more than the broker takes in one message; lower the exporter's batch size", encoding);
        }
        catch (ProduceException<byte[]?, byte[]> e)
        {
            logger.LogWarning("OTLP export to {Topic} not acknowledged: {Reason}", topic, e.Error.Reason);
            return new Answer(StatusCodes.Status503ServiceUnavailable, OtlpExportResponse.Status($"not stored, retry: {e.Error.Reason}", encoding, code: Unavailable), encoding);
        }

        return new Answer(StatusCodes.Status200OK, answer(screened.Rejected, screened.Message, encoding), encoding);
    }

    /// <summary>Spans that will be dead-lettered: unreadable, or GenAI spans the mapping refuses. Other spans are accepted and skipped.</summary>
    private (long, string?) CountRejectedSpans(byte[] body, OtlpEncoding encoding)
    {
        var mapper = new GenAiSpanMapper(_spans, clock);
        var rejected = 0L;
        string? first = null;
        var entries = OtlpTraceReader.Read(body, encoding);
        if (entries.Count == 0 && OtlpSpanSource.LooksLikeOtherJson(body))
        {
            throw new OtlpFormatException("a JSON object without resourceSpans");
        }

        foreach (var entry in entries)
        {
            var reason = entry.Span is { } span
                ? mapper.Map(span) is { Outcome: SpanMappingOutcome.Refused } refused ? refused.Reason : null
                : entry.Error;
            if (reason is not null)
            {
                rejected++;
                first ??= reason;
            }
        }

        return (rejected, first is null ? null : $"{rejected} span(s) rejected, dead-lettered on {SpansTopic}.dlq; first: {first}");
    }

    /// <summary>Points that cannot be read; whether a readable point makes a GPU sample is decided by the ingest worker.</summary>
    private (long, string?) CountRejectedPoints(byte[] body, OtlpEncoding encoding)
    {
        var errors = OtlpMetricsReader.Read(body, encoding).Where(e => e.Point is null).Select(e => e.Error).ToList();
        return (errors.Count, errors.Count == 0 ? null : $"{errors.Count} data point(s) rejected, dead-lettered on {MetricsTopic}.dlq; first: {errors[0]}");
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        await using var source = encoding.Length == 0 || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase) ? request.Body
            : encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) ? new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true)
            : throw new InvalidDataException($"Content-Encoding '{encoding}' is not gzip");
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new InvalidDataException($"more than {MaxBodyBytes / (1024 * 1024)} MiB once decompressed");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static OtlpEncoding? EncodingOf(string? contentType)
    {
        var mediaType = contentType?.Split(';')[0].Trim();
        return mediaType?.ToLowerInvariant() switch
        {
            "application/x-protobuf" or "application/protobuf" => OtlpEncoding.OtlpProto,
            "application/json" => OtlpEncoding.OtlpJson,
            _ => null,
        };
    }

    private static Answer Failure(int status, string message, OtlpEncoding encoding) =>
        new Answer(status, OtlpExportResponse.Status(message, encoding), encoding);

    private static ProducerConfig ProducerConfig(IngestOptions ingest)
    {
        var config = SourceProducerConfig.Create(ingest, "truecost-otlp-receiver", lingerMs: 2);
        config.MessageTimeoutMs = 10_000;
        return config;
    }

    /// <summary>An OTLP/HTTP answer: the body in the request's encoding, with its status code.</summary>
    private sealed class Answer(int status, byte[] body, OtlpEncoding encoding) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = OtlpExportResponse.ContentType(encoding);
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                httpContext.Response.Headers.RetryAfter = "5";
            }

            await httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}
