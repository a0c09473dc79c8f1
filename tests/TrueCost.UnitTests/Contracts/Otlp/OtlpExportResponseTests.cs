using System.Text;
using Google.Protobuf;
using TrueCost.Contracts.Otlp;

namespace TrueCost.UnitTests.Contracts.Otlp;

public class OtlpExportResponseTests
{
    /// <summary>Reads a message of (int64 field 1, string field 2) with Google.Protobuf's decoder.</summary>
    private static (long Number, string Text) ReadNumberAndText(byte[] message)
    {
        var input = new CodedInputStream(message);
        long number = 0;
        var text = string.Empty;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    number = input.ReadInt64();
                    break;
                case 2:
                    text = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (number, text);
    }

    private static byte[] PartialSuccess(byte[] response)
    {
        var input = new CodedInputStream(response);
        Assert.Equal(WireFormat.MakeTag(1, WireFormat.WireType.LengthDelimited), input.ReadTag());
        var partial = input.ReadBytes().ToByteArray();
        Assert.True(input.IsAtEnd);
        return partial;
    }

    [Fact]
    public void A_trace_partial_success_round_trips_through_protobuf()
    {
        var body = OtlpExportResponse.Traces(3, "3 spans had no trace id", OtlpEncoding.OtlpProto);

        Assert.Equal((3L, "3 spans had no trace id"), ReadNumberAndText(PartialSuccess(body)));
    }

    [Fact]
    public void A_metrics_partial_success_round_trips_through_protobuf()
    {
        var body = OtlpExportResponse.Metrics(1_000_000_000_000, "points without a value", OtlpEncoding.OtlpProto);

        Assert.Equal((1_000_000_000_000L, "points without a value"), ReadNumberAndText(PartialSuccess(body)));
    }

    [Fact]
    public void Json_partial_success_writes_int64_as_a_decimal_string()
    {
        Assert.Equal(
            """{"partialSuccess":{"rejectedSpans":"3","errorMessage":"end before start"}}""",
            Encoding.UTF8.GetString(OtlpExportResponse.Traces(3, "end before start", OtlpEncoding.OtlpJson)));
        Assert.Equal(
            """{"partialSuccess":{"rejectedDataPoints":"2"}}""",
            Encoding.UTF8.GetString(OtlpExportResponse.Metrics(2, null, OtlpEncoding.OtlpJson)));
    }

    [Fact]
    public void Full_success_leaves_partial_success_unset()
    {
        Assert.Empty(OtlpExportResponse.Traces(0, null, OtlpEncoding.OtlpProto));
        Assert.Empty(OtlpExportResponse.Metrics(0, string.Empty, OtlpEncoding.OtlpProto));
        Assert.Equal("{}", Encoding.UTF8.GetString(OtlpExportResponse.Traces(0, null, OtlpEncoding.OtlpJson)));
        Assert.Equal("{}", Encoding.UTF8.GetString(OtlpExportResponse.Metrics(0, null, OtlpEncoding.OtlpJson)));
    }

    [Fact]
    public void A_warning_with_nothing_rejected_carries_only_the_message()
    {
        Assert.Equal((0L, "unknown attribute dropped"), ReadNumberAndText(PartialSuccess(OtlpExportResponse.Traces(0, "unknown attribute dropped", OtlpEncoding.OtlpProto))));
        Assert.Equal(
            """{"partialSuccess":{"errorMessage":"unknown attribute dropped"}}""",
            Encoding.UTF8.GetString(OtlpExportResponse.Traces(0, "unknown attribute dropped", OtlpEncoding.OtlpJson)));
    }

    [Fact]
    public void A_status_for_a_bad_request_round_trips_in_both_encodings()
    {
        const string message = "otlp_proto: truncated varint at byte 17";

        Assert.Equal((3L, message), ReadNumberAndText(OtlpExportResponse.Status(message, OtlpEncoding.OtlpProto)));
        Assert.Equal(
            """{"code":3,"message":"otlp_proto: truncated varint at byte 17"}""",
            Encoding.UTF8.GetString(OtlpExportResponse.Status(message, OtlpEncoding.OtlpJson)));
    }

    [Fact]
    public void A_response_is_written_in_a_concrete_encoding()
    {
        Assert.Throws<ArgumentException>(() => OtlpExportResponse.Traces(1, null, OtlpEncoding.Auto));
        Assert.Equal("application/x-protobuf", OtlpExportResponse.ContentType(OtlpEncoding.OtlpProto));
        Assert.Equal("application/json", OtlpExportResponse.ContentType(OtlpEncoding.OtlpJson));
    }
}
