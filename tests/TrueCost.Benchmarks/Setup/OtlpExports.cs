using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;
using static Google.Protobuf.WireFormat;

namespace TrueCost.Benchmarks.Setup;

/// <summary>
/// The benchmark's request records as the OpenTelemetry Collector's Kafka exporter writes GenAI client
/// spans (<c>otlp_proto</c>): one <c>ExportTraceServiceRequest</c> per export batch of
/// <see cref="SpansPerMessage"/> spans, one <c>ResourceSpans</c> per tenant of the batch (resource
/// <c>service.name</c> and <c>tenant.id</c>), each span a CLIENT span named <c>chat {model}</c> with the
/// GenAI attributes an instrumentation writes and the route, traffic class and GPU pool an application adds.
/// Encoded with Google.Protobuf's <see cref="CodedOutputStream"/> under opentelemetry-proto's field numbers,
/// independently of the ingest's reader. Trace and span ids are derived from the request id.
/// </summary>
public static class OtlpExports
{
    public const int SpansPerMessage = 100;

    public const string ServiceName = "llm-gateway";

    private const string Scope = "opentelemetry.instrumentation.openai_v2";

    /// <summary>The records, <see cref="SpansPerMessage"/> to a message, keyed like the native records by their first request.</summary>
    public static FeedMessage[] Encode(IReadOnlyList<WireRecord> records)
    {
        var encoder = new Encoder();
        var messages = new FeedMessage[(records.Count + SpansPerMessage - 1) / SpansPerMessage];
        var batch = new List<RequestLogRecord>(SpansPerMessage);
        for (var m = 0; m < messages.Length; m++)
        {
            batch.Clear();
            for (var i = m * SpansPerMessage; i < Math.Min(records.Count, (m + 1) * SpansPerMessage); i++)
            {
                batch.Add(JsonSerializer.Deserialize<RequestLogRecord>(records[i].Json, WireJson.Options)
                    ?? throw new BenchmarkException($"request record {records[i].Id} is null"));
            }

            messages[m] = new FeedMessage(batch[0].RequestId, encoder.Export(batch), batch.Count);
        }

        return messages;
    }

    /// <summary>One export holding one span: the marker the end-to-end stage sends to every partition before the clock starts.</summary>
    public static FeedMessage Marker(string id, DateTimeOffset at)
    {
        var record = JsonSerializer.Deserialize<RequestLogRecord>(MarkerRecords.Create(id, "bench-warmup", at).Json, WireJson.Options)!;
        return new FeedMessage(id, new Encoder().Export([record]), 1);
    }

    /// <summary>Writes nested messages bottom-up into one scratch buffer, each copied out when complete.</summary>
    private sealed class Encoder
    {
        private readonly byte[] _scratch = new byte[4 << 20];

        public byte[] Export(IReadOnlyList<RequestLogRecord> batch)
        {
            var resourceSpans = batch.GroupBy(r => r.Tenant, StringComparer.Ordinal).Select(ResourceSpans).ToList();
            return Write(o =>
            {
                foreach (var r in resourceSpans)
                {
                    Message(o, 1, r);
                }
            });
        }

        private byte[] ResourceSpans(IGrouping<string, RequestLogRecord> tenant)
        {
            var resource = Write(o =>
            {
                StringAttribute(o, 1, "service.name", ServiceName);
                StringAttribute(o, 1, "tenant.id", tenant.Key);
            });
            var scope = Write(o => StringField(o, 1, Scope));
            var spans = tenant.Select(Span).ToList();
            var scopeSpans = Write(o =>
            {
                Message(o, 1, scope);
                foreach (var span in spans)
                {
                    Message(o, 2, span);
                }
            });
            return Write(o =>
            {
                Message(o, 1, resource);
                Message(o, 2, scopeSpans);
            });
        }

        private byte[] Span(RequestLogRecord r)
        {
            var ids = SHA256.HashData(Encoding.UTF8.GetBytes(r.RequestId));
            var start = (ulong)(r.Timestamp - DateTimeOffset.UnixEpoch).Ticks * 100;
            var end = start + (ulong)(r.LatencyMs * 1_000_000);
            var failed = r.Status != RequestStatuses.Ok;
            return Write(o =>
            {
                o.WriteTag(1, WireType.LengthDelimited);
                o.WriteBytes(ByteString.CopyFrom(ids, 0, 16));
                o.WriteTag(2, WireType.LengthDelimited);
                o.WriteBytes(ByteString.CopyFrom(ids, 16, 8));
                StringField(o, 5, $"chat {r.Model}");
                o.WriteTag(6, WireType.Varint);
                o.WriteEnum(3);
                o.WriteTag(7, WireType.Fixed64);
                o.WriteFixed64(start);
                o.WriteTag(8, WireType.Fixed64);
                o.WriteFixed64(end);
                StringAttribute(o, 9, "gen_ai.operation.name", "chat");
                StringAttribute(o, 9, "gen_ai.provider.name", r.Provider);
                StringAttribute(o, 9, "gen_ai.request.model", r.Model);
                StringAttribute(o, 9, "gen_ai.response.model", r.ResponseModel ?? r.Model);
                IntAttribute(o, 9, "gen_ai.usage.input_tokens", r.InputTokens);
                IntAttribute(o, 9, "gen_ai.usage.output_tokens", r.OutputTokens);
                if (r.CacheReadTokens > 0)
                {
                    IntAttribute(o, 9, "gen_ai.usage.cache_read.input_tokens", r.CacheReadTokens);
                }

                StringAttribute(o, 9, "http.route", r.Route);
                StringAttribute(o, 9, "truecost.traffic_class", r.TrafficClass);
                if (r.GpuPool is { } pool)
                {
                    StringAttribute(o, 9, "truecost.gpu_pool", pool);
                }

                if (failed)
                {
                    StringAttribute(o, 9, "error.type", r.Status == RequestStatuses.Timeout ? "APITimeoutError" : "InternalServerError");

                    // Status: code (3) ERROR.
                    var status = CodedOutputStream.ComputeTagSize(3) + CodedOutputStream.ComputeEnumSize(2);
                    o.WriteTag(15, WireType.LengthDelimited);
                    o.WriteLength(status);
                    o.WriteTag(3, WireType.Varint);
                    o.WriteEnum(2);
                }
            });
        }

        private byte[] Write(Action<CodedOutputStream> write)
        {
            var output = new CodedOutputStream(_scratch);
            write(output);
            output.Flush();
            return _scratch.AsSpan(0, checked((int)output.Position)).ToArray();
        }

        private static void Message(CodedOutputStream o, int field, byte[] message)
        {
            o.WriteTag(field, WireType.LengthDelimited);
            o.WriteBytes(UnsafeByteOperations.UnsafeWrap(message));
        }

        /// <summary>A <c>KeyValue</c> (key 1, value 2) whose <c>AnyValue</c> is a string_value (1).</summary>
        private static void StringAttribute(CodedOutputStream o, int field, string key, string value)
        {
            var any = CodedOutputStream.ComputeTagSize(1) + CodedOutputStream.ComputeStringSize(value);
            KeyValue(o, field, key, any);
            StringField(o, 1, value);
        }

        /// <summary>A <c>KeyValue</c> whose <c>AnyValue</c> is an int_value (3).</summary>
        private static void IntAttribute(CodedOutputStream o, int field, string key, long value)
        {
            var any = CodedOutputStream.ComputeTagSize(3) + CodedOutputStream.ComputeInt64Size(value);
            KeyValue(o, field, key, any);
            o.WriteTag(3, WireType.Varint);
            o.WriteInt64(value);
        }

        private static void StringField(CodedOutputStream o, int field, string value)
        {
            o.WriteTag(field, WireType.LengthDelimited);
            o.WriteString(value);
        }

        private static void KeyValue(CodedOutputStream o, int field, string key, int anyValueSize)
        {
            var size = CodedOutputStream.ComputeTagSize(1) + CodedOutputStream.ComputeStringSize(key)
                + CodedOutputStream.ComputeTagSize(2) + CodedOutputStream.ComputeLengthSize(anyValueSize) + anyValueSize;
            o.WriteTag(field, WireType.LengthDelimited);
            o.WriteLength(size);
            StringField(o, 1, key);
            o.WriteTag(2, WireType.LengthDelimited);
            o.WriteLength(anyValueSize);
        }
    }
}

