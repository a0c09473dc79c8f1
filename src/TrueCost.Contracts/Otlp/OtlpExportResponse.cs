using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TrueCost.Contracts.Otlp;

/// <summary>
/// Bodies of OTLP/HTTP responses, in the encoding of the request: <c>Export…ServiceResponse</c> for 200
/// (its <c>partial_success</c> set only when something was rejected or there is a message) and
/// <c>google.rpc.Status</c> for 4xx and 5xx. In OTLP JSON an int64 is a decimal string and an int32 a number.
/// </summary>
public static class OtlpExportResponse
{
    /// <summary><c>google.rpc.Code.INVALID_ARGUMENT</c>, the code of a request that cannot be read.</summary>
    public const int InvalidArgument = 3;

    public static string ContentType(OtlpEncoding encoding) =>
        Concrete(encoding) == OtlpEncoding.OtlpJson ? "application/json" : "application/x-protobuf";

    /// <summary>An <c>ExportTraceServiceResponse</c>.</summary>
    public static byte[] Traces(long rejectedSpans, string? errorMessage, OtlpEncoding encoding) =>
        Export(rejectedSpans, errorMessage, encoding, "rejectedSpans");

    /// <summary>An <c>ExportMetricsServiceResponse</c>.</summary>
    public static byte[] Metrics(long rejectedDataPoints, string? errorMessage, OtlpEncoding encoding) =>
        Export(rejectedDataPoints, errorMessage, encoding, "rejectedDataPoints");

    /// <summary>A <c>google.rpc.Status</c> (code 1, message 2) for a failed request.</summary>
    public static byte[] Status(string message, OtlpEncoding encoding, int code = InvalidArgument)
    {
        if (Concrete(encoding) == OtlpEncoding.OtlpJson)
        {
            return Json(w =>
            {
                if (code != 0)
                {
                    w.WriteNumber("code", code);
                }

                if (message.Length > 0)
                {
                    w.WriteString("message", message);
                }
            });
        }

        var body = new ArrayBufferWriter<byte>();
        if (code != 0)
        {
            // int32 is sign-extended to 64 bits on the wire.
            WriteTag(body, 1, 0);
            WriteVarint(body, unchecked((ulong)(long)code));
        }

        WriteString(body, 2, message);
        return body.WrittenSpan.ToArray();
    }

    private static byte[] Export(long rejected, string? errorMessage, OtlpEncoding encoding, string rejectedName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rejected);
        var message = errorMessage ?? string.Empty;
        var hasPartialSuccess = rejected > 0 || message.Length > 0;
        if (Concrete(encoding) == OtlpEncoding.OtlpJson)
        {
            return Json(w =>
            {
                if (!hasPartialSuccess)
                {
                    return;
                }

                w.WriteStartObject("partialSuccess");
                if (rejected > 0)
                {
                    w.WriteString(rejectedName, rejected.ToString(CultureInfo.InvariantCulture));
                }

                if (message.Length > 0)
                {
                    w.WriteString("errorMessage", message);
                }

                w.WriteEndObject();
            });
        }

        if (!hasPartialSuccess)
        {
            return [];
        }

        var partial = new ArrayBufferWriter<byte>();
        if (rejected > 0)
        {
            WriteTag(partial, 1, 0);
            WriteVarint(partial, (ulong)rejected);
        }

        WriteString(partial, 2, message);
        var body = new ArrayBufferWriter<byte>();
        WriteTag(body, 1, 2);
        WriteVarint(body, (ulong)partial.WrittenCount);
        body.Write(partial.WrittenSpan);
        return body.WrittenSpan.ToArray();
    }

    private static OtlpEncoding Concrete(OtlpEncoding encoding) => encoding == OtlpEncoding.Auto
        ? throw new ArgumentException("a response is written in the request's encoding; resolve Auto from the request first", nameof(encoding))
        : encoding;

    private static byte[] Json(Action<Utf8JsonWriter> writeMembers)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            writeMembers(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteString(ArrayBufferWriter<byte> to, int field, string value)
    {
        if (value.Length == 0)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        WriteTag(to, field, 2);
        WriteVarint(to, (ulong)bytes.Length);
        to.Write(bytes);
    }

    private static void WriteTag(ArrayBufferWriter<byte> to, int field, int wireType) => WriteVarint(to, (ulong)((field << 3) | wireType));

    private static void WriteVarint(ArrayBufferWriter<byte> to, ulong value)
    {
        var span = to.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[n++] = (byte)value;
        to.Advance(n);
    }
}
