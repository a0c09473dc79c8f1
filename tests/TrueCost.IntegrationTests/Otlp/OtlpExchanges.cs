using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Google.Protobuf;

namespace TrueCost.IntegrationTests.Otlp;

/// <summary>One OTLP/HTTP request as the exporter sent it and the answer it got.</summary>
public sealed record OtlpExchange(string? ContentType, byte[] RequestBody, HttpStatusCode Status, byte[] ResponseBody);

/// <summary>
/// Sits between the OpenTelemetry exporter and the network (its <c>HttpClientFactory</c>) and keeps each
/// request and answer, so a test can read the partial success the exporter itself only logs, and resend the
/// very bytes of an export the way a retrying exporter would.
/// </summary>
public sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<OtlpExchange> _exchanges = new();

    public IReadOnlyList<OtlpExchange> Exchanges => [.. _exchanges];

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var sent = Buffer(request);
        var response = base.Send(request, cancellationToken);
        using var body = new MemoryStream();
        response.Content.ReadAsStream(cancellationToken).CopyTo(body);
        return Keep(sent, request, response, body.ToArray());
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var sent = Buffer(request);
        var response = await base.SendAsync(request, cancellationToken);
        return Keep(sent, request, response, await response.Content.ReadAsByteArrayAsync(cancellationToken));
    }

    /// <summary>Replaces the exporter's streamed content with its bytes, so they can be kept and still sent.</summary>
    private static byte[] Buffer(HttpRequestMessage request)
    {
        if (request.Content is not { } content)
        {
            return [];
        }

        using var body = new MemoryStream();
        content.ReadAsStream().CopyTo(body);
        var bytes = body.ToArray();
        var copy = new ByteArrayContent(bytes);
        foreach (var header in content.Headers.Where(h => h.Key != "Content-Length"))
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        request.Content = copy;
        return bytes;
    }

    private HttpResponseMessage Keep(byte[] sent, HttpRequestMessage request, HttpResponseMessage response, byte[] answer)
    {
        _exchanges.Enqueue(new OtlpExchange(request.Content?.Headers.ContentType?.MediaType, sent, response.StatusCode, answer));
        var copy = new ByteArrayContent(answer);
        foreach (var header in response.Content.Headers.Where(h => h.Key != "Content-Length"))
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = copy;
        return response;
    }
}

/// <summary>
/// Reads OTLP/HTTP answers with a protobuf reader of its own (Google.Protobuf), not the receiver's writer:
/// <c>ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1 { int64 rejected_spans = 1;
/// string error_message = 2; } }</c> and <c>google.rpc.Status { int32 code = 1; string message = 2; }</c>.
/// </summary>
public static class OtlpAnswer
{
    /// <summary>The partial success of a protobuf <c>ExportTraceServiceResponse</c>, or null when the answer has none.</summary>
    public static (long RejectedSpans, string ErrorMessage)? ProtoPartialSuccess(byte[] body)
    {
        var input = new CodedInputStream(body);
        (long, string)? partial = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited))
            {
                var inner = new CodedInputStream(input.ReadBytes().ToByteArray());
                var (rejected, message) = (0L, string.Empty);
                while ((tag = inner.ReadTag()) != 0)
                {
                    if (tag == WireFormat.MakeTag(1, WireFormat.WireType.Varint))
                    {
                        rejected = inner.ReadInt64();
                    }
                    else if (tag == WireFormat.MakeTag(2, WireFormat.WireType.LengthDelimited))
                    {
                        message = inner.ReadString();
                    }
                    else
                    {
                        inner.SkipLastField();
                    }
                }

                partial = (rejected, message);
            }
            else
            {
                input.SkipLastField();
            }
        }

        return partial;
    }

    /// <summary>A protobuf <c>google.rpc.Status</c>.</summary>
    public static (int Code, string Message) ProtoStatus(byte[] body)
    {
        var input = new CodedInputStream(body);
        var (code, message) = (0, string.Empty);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag == WireFormat.MakeTag(1, WireFormat.WireType.Varint))
            {
                code = input.ReadInt32();
            }
            else if (tag == WireFormat.MakeTag(2, WireFormat.WireType.LengthDelimited))
            {
                message = input.ReadString();
            }
            else
            {
                input.SkipLastField();
            }
        }

        return (code, message);
    }

    /// <summary>The partial success of a JSON <c>ExportTraceServiceResponse</c> (int64 as a string or a number), or null.</summary>
    public static (long RejectedSpans, string ErrorMessage)? JsonPartialSuccess(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        if (!document.RootElement.TryGetProperty("partialSuccess", out var partial))
        {
            return null;
        }

        var rejected = partial.TryGetProperty("rejectedSpans", out var r)
            ? r.ValueKind == JsonValueKind.String ? long.Parse(r.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : r.GetInt64()
            : 0L;
        var message = partial.TryGetProperty("errorMessage", out var m) ? m.GetString() ?? string.Empty : string.Empty;
        return (rejected, message);
    }
}
