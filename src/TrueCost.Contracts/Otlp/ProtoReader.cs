using System.Buffers.Binary;
using System.Text;

namespace TrueCost.Contracts.Otlp;

/// <summary>The protobuf wire types; 3 and 4 (groups) are deprecated but must still be skipped.</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    Len = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// Reads one protobuf message field by field. Offsets in errors count from the start of the whole body,
/// so a producer can find the byte in a hex dump of what it sent.
/// </summary>
internal struct ProtoReader(ReadOnlyMemory<byte> data, int origin)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private int _pos;

    public ProtoReader(ReadOnlyMemory<byte> body)
        : this(body, 0)
    {
    }

    public readonly bool End => _pos >= data.Length;

    /// <summary>The message's own bytes as they arrived.</summary>
    public readonly ReadOnlyMemory<byte> Content => data;

    /// <summary>Where the message starts in the body.</summary>
    public readonly int Origin => origin;

    private readonly int At => origin + _pos;

    public (int Field, WireType Type) ReadTag()
    {
        var at = At;
        var tag = ReadVarint();
        var field = tag >> 3;
        var type = (int)(tag & 7);
        if (field == 0 || field > int.MaxValue)
        {
            throw Fail($"field number {field} at byte {at} is not valid");
        }

        if (type > 5)
        {
            throw Fail($"wire type {type} of field {field} at byte {at} is not valid");
        }

        return ((int)field, (WireType)type);
    }

    public ulong ReadVarint()
    {
        var span = data.Span;
        var start = At;
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_pos >= span.Length)
            {
                throw Fail($"truncated varint at byte {start}");
            }

            var b = span[_pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw Fail($"varint at byte {start} is longer than 10 bytes");
    }

    public ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, "fixed64"));

    public uint ReadFixed32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "fixed32"));

    /// <summary>A fixed64 nanosecond timestamp; above <see cref="long.MaxValue"/> (year 2262) is refused.</summary>
    public long ReadUnixNano(string field)
    {
        var at = At;
        var nanos = ReadFixed64();
        return nanos <= long.MaxValue ? (long)nanos : throw Fail($"{field} {nanos} at byte {at} is after the year 2262");
    }

    public double ReadDouble() => BitConverter.UInt64BitsToDouble(ReadFixed64());

    public ReadOnlyMemory<byte> ReadBytes()
    {
        var (start, length) = ReadLength();
        return data.Slice(start, length);
    }

    public ProtoReader ReadMessage()
    {
        var (start, length) = ReadLength();
        return new ProtoReader(data.Slice(start, length), origin + start);
    }

    public string ReadString()
    {
        var at = At;
        var bytes = ReadBytes();
        try
        {
            return StrictUtf8.GetString(bytes.Span);
        }
        catch (DecoderFallbackException)
        {
            throw Fail($"string at byte {at} is not valid UTF-8");
        }
    }

    /// <summary>
    /// Reads the shape every OTLP container shares (<c>ResourceSpans</c>, <c>ScopeSpans</c>, <c>ResourceMetrics</c>,
    /// <c>ScopeMetrics</c>): field 1 one message (the resource or scope; the last one wins), field 2 repeated
    /// messages. Both are returned whole because the fields may come in any order.
    /// </summary>
    public (ProtoReader? Head, List<ProtoReader> Items) ReadContainer()
    {
        ProtoReader? head = null;
        var items = new List<ProtoReader>();
        while (!End)
        {
            switch (ReadTag())
            {
                case (1, WireType.Len):
                    head = ReadMessage();
                    break;
                case (2, WireType.Len):
                    items.Add(ReadMessage());
                    break;
                case var (field, type):
                    Skip(field, type);
                    break;
            }
        }

        return (head, items);
    }

    /// <summary>Steps over a field this reader does not use, of any wire type, including deprecated groups.</summary>
    public void Skip(int field, WireType type)
    {
        switch (type)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                Take(8, "fixed64");
                break;
            case WireType.Fixed32:
                Take(4, "fixed32");
                break;
            case WireType.Len:
                ReadLength();
                break;
            case WireType.StartGroup:
                SkipGroup(field);
                break;
            default:
                throw Fail($"end-group for field {field} at byte {At} has no matching start-group");
        }
    }

    public static OtlpFormatException Fail(string reason) => new($"otlp_proto: {reason}");

    private void SkipGroup(int field)
    {
        var start = At;
        while (!End)
        {
            var (inner, type) = ReadTag();
            if (type == WireType.EndGroup)
            {
                if (inner != field)
                {
                    throw Fail($"group of field {field} at byte {start} is closed by field {inner}");
                }

                return;
            }

            Skip(inner, type);
        }

        throw Fail($"group of field {field} at byte {start} is not closed before the message ends at byte {origin + data.Length}");
    }

    private (int Start, int Length) ReadLength()
    {
        var at = At;
        var length = ReadVarint();
        var left = data.Length - _pos;
        if (length > (ulong)left)
        {
            throw Fail($"length {length} at byte {at} runs past the end of its message at byte {origin + data.Length} (truncated?)");
        }

        var start = _pos;
        _pos += (int)length;
        return (start, (int)length);
    }

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (data.Length - _pos < count)
        {
            throw Fail($"truncated {what} at byte {At}");
        }

        var slice = data.Span.Slice(_pos, count);
        _pos += count;
        return slice;
    }
}
