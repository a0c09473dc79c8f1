using System.Text;
using TrueCost.Contracts.RequestLogs;

namespace TrueCost.UnitTests.Contracts;

/// <summary>
/// Values that repeat across request records are shared, and read exactly as before. The table of
/// shared values is process-wide, so no other test parses records while these run.
/// </summary>
[Collection(nameof(RepeatedTextTests))]
public class RepeatedTextTests
{
    private static readonly RequestLogParser Parser = new(TimeProvider.System);

    [Fact]
    public void Two_records_with_the_same_route_and_tenant_share_one_string_for_each()
    {
        var first = Parse(Record("req-1", "/chat/support", "tenant-acme"));
        var second = Parse(Record("req-2", "/chat/support", "tenant-acme"));

        Assert.Same(first.Route, second.Route);
        Assert.Same(first.Tenant, second.Tenant);
        Assert.Same(first.Model, second.Model);
        Assert.NotSame(first.RequestId, second.RequestId);
    }

    [Fact]
    public void An_escaped_value_reads_as_the_same_text()
    {
        var plain = Parse(Record("req-1", "/chat/support", "tenant-acme"));
        var escaped = Parse(Record("req-2", "/chat/support", "tenant-\\u0061cme"));

        Assert.Equal("tenant-acme", escaped.Tenant);
        Assert.Equal(plain.Tenant, escaped.Tenant);
    }

    [Fact]
    public void Distinct_values_stay_distinct_whatever_the_table_holds()
    {
        var records = Enumerable.Range(0, 10_000).Select(i => Parse(Record($"req-{i}", $"/route/{i % 5_000}", $"tenant-{i}"))).ToList();

        Assert.All(records, (r, i) =>
        {
            Assert.Equal($"/route/{i % 5_000}", r.Route);
            Assert.Equal($"tenant-{i}", r.Tenant);
        });
    }

    [Fact]
    public void Invalid_utf8_in_a_shared_field_is_still_rejected_naming_the_field()
    {
        var json = Encoding.UTF8.GetBytes(Record("req-1", "/chat/XX", "tenant-acme"));
        var at = json.AsSpan().IndexOf("XX"u8);
        json[at] = 0xC3;
        json[at + 1] = 0x28;

        var parsed = Parser.Parse(json);

        Assert.False(parsed.IsValid);
        Assert.Contains("$.route", parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_number_where_a_shared_field_expects_text_is_rejected_naming_the_field()
    {
        var parsed = Parser.Parse(Encoding.UTF8.GetBytes(Record("req-1", "/chat", "tenant-acme").Replace("\"tenant-acme\"", "42", StringComparison.Ordinal)));

        Assert.False(parsed.IsValid);
        Assert.Contains("$.tenant", parsed.Error, StringComparison.Ordinal);
    }

    private static RequestLogRecord Parse(string json)
    {
        var parsed = Parser.Parse(Encoding.UTF8.GetBytes(json));
        Assert.True(parsed.IsValid, parsed.Error);
        return parsed.Record!;
    }

    private static string Record(string id, string route, string tenant) => $$"""
        {"request_id":"{{id}}","timestamp":"2026-11-16T10:04:12Z","route":"{{route}}","tenant":"{{tenant}}",
         "gen_ai.provider.name":"openai","gen_ai.request.model":"gpt-4o-mini","gen_ai.usage.input_tokens":1184,
         "gen_ai.usage.output_tokens":231,"serving_mode":"api","traffic_class":"interactive","status":"ok","latency_ms":1840.5}
        """;
}

[CollectionDefinition(nameof(RepeatedTextTests), DisableParallelization = true)]
public sealed class RepeatedTextRunsAlone;
