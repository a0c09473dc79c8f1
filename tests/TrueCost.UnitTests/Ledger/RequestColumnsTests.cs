using System.Text.Json;
using CsCheck;
using Marten.Services;
using TrueCost.Ledger.RequestLogs;

namespace TrueCost.UnitTests.Ledger;

public class RequestColumnsTests
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 16, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The serializer the ledger's Marten store uses for event data.</summary>
    private static readonly SystemTextJsonSerializer Marten = new();

    private static readonly RecordedRequest Plain = new(
        "req-1", Hour.AddSeconds(1.5), "/v1/chat", "acme", "openai", "gpt-4o-mini", "api", null, "interactive", "ok",
        1, null, 1_200, 340, 100, 812.25, null, 4_096, 1_024);

    private static readonly RecordedRequest Retry = new(
        "req-2", Hour.AddMinutes(59), "/v1/embed", "globex", "self", "llama-3-8b", "self_hosted", "a100-pool", "batch", "timeout",
        2, "req-0", long.MaxValue, 0, 0, 30_000.125, 41.5, 0, long.MaxValue);

    [Fact]
    public void A_batch_is_stored_as_one_array_per_field_and_reads_back_field_for_field()
    {
        var batch = new RequestsRecorded("llm.requests", 3, 100, 101, [Plain, Retry]);

        var json = Marten.ToJson(batch);
        var back = Marten.FromJson<RequestsRecorded>(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));

        using var doc = JsonDocument.Parse(json);
        var requests = doc.RootElement.GetProperty("Requests");
        Assert.Equal(JsonValueKind.Object, requests.ValueKind);
        Assert.Equal(2, requests.GetProperty("Count").GetInt32());
        Assert.Equal(["req-1", "req-2"], requests.GetProperty("RequestId").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Null, requests.GetProperty("GpuPool")[0].ValueKind);
        Assert.Equal((batch.Topic, batch.Partition, batch.FirstOffset, batch.LastOffset), (back.Topic, back.Partition, back.FirstOffset, back.LastOffset));
        Assert.Equal([Plain, Retry], back.Requests);
    }

    [Fact]
    public void Events_stored_as_an_array_of_request_objects_still_read()
    {
        var json = JsonSerializer.Serialize(new { Topic = "llm.requests", Partition = 0, FirstOffset = 7, LastOffset = 8, Requests = new[] { Plain, Retry } });

        var back = JsonSerializer.Deserialize<RequestsRecorded>(json)!;

        Assert.Equal([Plain, Retry], back.Requests);
        Assert.Equal(8, back.LastOffset);
    }

    [Fact]
    public void An_empty_batch_round_trips()
    {
        var json = JsonSerializer.Serialize(new RequestsRecorded("t", 0, 0, 0, []));

        Assert.Empty(JsonSerializer.Deserialize<RequestsRecorded>(json)!.Requests);
    }

    [Fact]
    public void A_reported_cost_round_trips_exactly_and_a_batch_without_one_omits_the_column()
    {
        var reported = Plain with { ReportedCost = 0.00022500000000000002m };
        var json = JsonSerializer.Serialize(new RequestsRecorded("t", 0, 0, 1, [reported, Plain]));
        var withoutCost = JsonSerializer.Serialize(new RequestsRecorded("t", 0, 0, 0, [Plain]));

        Assert.Equal([reported, Plain], JsonSerializer.Deserialize<RequestsRecorded>(json)!.Requests);
        Assert.Contains(nameof(RecordedRequest.ReportedCost), json, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(RecordedRequest.ReportedCost), withoutCost, StringComparison.Ordinal);
        Assert.Null(Assert.Single(JsonSerializer.Deserialize<RequestsRecorded>(withoutCost)!.Requests).ReportedCost);
    }

    [Fact]
    public void Columns_no_request_sets_are_left_out_and_read_back_as_their_defaults()
    {
        var json = JsonSerializer.Serialize(new RequestsRecorded("t", 0, 0, 0, [Plain, Plain with { RequestId = "req-3" }]));

        using var doc = JsonDocument.Parse(json);
        var columns = doc.RootElement.GetProperty("Requests").EnumerateObject().Select(c => c.Name).ToList();
        Assert.DoesNotContain(nameof(RecordedRequest.RetryOf), columns);
        Assert.DoesNotContain(nameof(RecordedRequest.ResponseModel), columns);
        Assert.DoesNotContain(nameof(RecordedRequest.CacheCreationTokens), columns);
        Assert.DoesNotContain(nameof(RecordedRequest.ReasoningTokens), columns);
        Assert.Contains(nameof(RecordedRequest.GpuPool), columns);
        Assert.Equal([Plain, Plain with { RequestId = "req-3" }], JsonSerializer.Deserialize<RequestsRecorded>(json)!.Requests);
    }

    [Fact]
    public void Events_written_with_every_column_present_still_read()
    {
        const string written = """
            {"Topic":"t","Partition":0,"FirstOffset":0,"LastOffset":0,"Requests":{"Count":1,"RequestId":["req-1"],
            "Timestamp":["2026-11-16T10:00:01.5+00:00"],"Route":["/v1/chat"],"Tenant":["acme"],"Provider":["openai"],
            "Model":["gpt-4o-mini"],"ServingMode":["api"],"GpuPool":[null],"TrafficClass":["interactive"],"Status":["ok"],
            "Attempt":[1],"RetryOf":[null],"InputTokens":[1200],"OutputTokens":[340],"CachedInputTokens":[100],
            "LatencyMs":[812.25],"TimeToFirstTokenMs":[null],"RequestBytes":[4096],"ResponseBytes":[1024],
            "ResponseModel":[null],"CacheCreationTokens":[0],"ReasoningTokens":[0],"ReportedCost":[null]}}
            """;

        Assert.Equal(Plain, Assert.Single(JsonSerializer.Deserialize<RequestsRecorded>(written)!.Requests));
    }

    [Theory]
    [InlineData("\"Route\":[\"/v1/chat\",\"/v1/embed\"]", "\"Route\":[\"/v1/chat\"]", "request column Route has 1 values, expected 2")]
    [InlineData("\"Tenant\":[\"acme\",\"globex\"]", "\"Tenant\":[\"acme\",null]", "request column Tenant has null at 1")]
    [InlineData(",\"Model\":[\"gpt-4o-mini\",\"llama-3-8b\"]", "", "request column Model is missing")]
    [InlineData("\"Count\":2", "\"Count\":3", "request column Timestamp has 2 values, expected 3")]
    public void A_damaged_column_is_named_in_the_error(string from, string to, string error)
    {
        var json = JsonSerializer.Serialize(new RequestsRecorded("t", 0, 0, 1, [Plain, Retry]));
        Assert.Contains(from, json, StringComparison.Ordinal);

        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<RequestsRecorded>(json.Replace(from, to, StringComparison.Ordinal)));

        Assert.Contains(error, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_batch_of_requests_round_trips() =>
        Gen.Select(Gen.String[1, 40], Gen.Long[0, long.MaxValue], Gen.Double[0, 1e9], Gen.Int[1, 5], Gen.Bool)
            .Select(t => Plain with
            {
                RequestId = t.Item1,
                Tenant = t.Item1 + "-tenant",
                InputTokens = t.Item2,
                LatencyMs = t.Item3,
                TimeToFirstTokenMs = t.Item5 ? t.Item3 / 2 : null,
                GpuPool = t.Item5 ? null : "pool",
                ReportedCost = t.Item5 ? null : t.Item2 / 1_000_000_000_000m,
                Attempt = t.Item4,
                Timestamp = Hour.AddTicks(t.Item2 % TimeSpan.TicksPerDay),
            })
            .Array[0, 50]
            .Sample(requests =>
            {
                var json = JsonSerializer.Serialize(new RequestsRecorded("t", 1, 0, requests.Length, requests));
                Assert.Equal(requests, JsonSerializer.Deserialize<RequestsRecorded>(json)!.Requests);
            });
}
