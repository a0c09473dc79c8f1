using Google.Protobuf;

namespace TrueCost.UnitTests.Contracts.Otlp;

/// <summary>
/// Builds protobuf messages field by field with Google.Protobuf's <see cref="CodedOutputStream"/>, an
/// encoder independent of the reader under test. Field numbers are the ones opentelemetry-proto assigns.
/// </summary>
internal sealed class Proto
{
    private readonly List<byte> _bytes = [];

    public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

    public Proto Bytes(int field, byte[] value) => Write(field, WireFormat.WireType.LengthDelimited, o => o.WriteBytes(ByteString.CopyFrom(value)));

    public Proto String(int field, string value) => Write(field, WireFormat.WireType.LengthDelimited, o => o.WriteString(value));

    public Proto Varint(int field, ulong value) => Write(field, WireFormat.WireType.Varint, o => o.WriteUInt64(value));

    public Proto Int64(int field, long value) => Write(field, WireFormat.WireType.Varint, o => o.WriteInt64(value));

    public Proto Fixed64(int field, ulong value) => Write(field, WireFormat.WireType.Fixed64, o => o.WriteFixed64(value));

    public Proto SFixed64(int field, long value) => Write(field, WireFormat.WireType.Fixed64, o => o.WriteSFixed64(value));

    public Proto Double(int field, double value) => Write(field, WireFormat.WireType.Fixed64, o => o.WriteDouble(value));

    public Proto Fixed32(int field, uint value) => Write(field, WireFormat.WireType.Fixed32, o => o.WriteFixed32(value));

    /// <summary>A deprecated group: start tag, the inner fields, end tag.</summary>
    public Proto Group(int field, Proto inner)
    {
        Append(o => o.WriteTag(field, WireFormat.WireType.StartGroup));
        _bytes.AddRange(inner._bytes);
        Append(o => o.WriteTag(field, WireFormat.WireType.EndGroup));
        return this;
    }

    /// <summary>One field of every wire type under numbers no OTLP message uses, which a reader must skip.</summary>
    public Proto Unknowns() => Varint(900, 300)
        .Fixed64(901, 0xDEADBEEF)
        .Fixed32(902, 7)
        .String(903, "ignored")
        .Group(904, new Proto().Varint(1, 1).String(2, "inside a group"));

    public byte[] ToArray() => [.. _bytes];

    /// <summary>A <c>KeyValue</c> (key 1, value 2) with the <c>AnyValue</c> built by <paramref name="value"/>.</summary>
    public static Proto KeyValue(string key, Proto value) => new Proto().String(1, key).Message(2, value);

    public static Proto StringAttribute(string key, string value) => KeyValue(key, new Proto().String(1, value));

    public static Proto IntAttribute(string key, long value) => KeyValue(key, new Proto().Int64(3, value));

    public static Proto DoubleAttribute(string key, double value) => KeyValue(key, new Proto().Double(4, value));

    private Proto Write(int field, WireFormat.WireType type, Action<CodedOutputStream> value)
    {
        Append(o =>
        {
            o.WriteTag(field, type);
            value(o);
        });
        return this;
    }

    private void Append(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
        }

        _bytes.AddRange(stream.ToArray());
    }
}
