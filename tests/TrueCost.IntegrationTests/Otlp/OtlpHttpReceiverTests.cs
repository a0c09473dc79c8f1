using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TrueCost.Api.Otlp;
using TrueCost.Contracts;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.Time;
using static TrueCost.IntegrationTests.Otlp.OtlpJsonRequest;

namespace TrueCost.IntegrationTests.Otlp;

/// <summary>
/// Issue 12, first done-when: GenAI spans sent over OTLP/HTTP by a real client (the OpenTelemetry .NET SDK and
/// its OTLP exporter for protobuf; OTLP/JSON, plain and gzip, written as opentelemetry-proto's examples show it)
/// land in usage_hourly and cost_hourly with exactly their tokens and their list-price cost, each span once.
/// </summary>
[Collection("infrastructure")]
public class OtlpHttpReceiverTests(InfrastructureFixture infra)
{
    private const string SourceName = "TrueCost.IntegrationTests.Otlp.Checkout";
    private const string Provider = "openai";
    private const string RequestModel = "gpt-4o";

    /// <summary>The dated snapshot OpenAI names in its answer, and so the billed model.</summary>
    private const string ResponseModel = "gpt-4o-2024-08-06";

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task GenAi_spans_sent_as_protobuf_by_the_OpenTelemetry_sdk_and_as_json_land_in_usage_and_cost_hourly_exactly_once()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var host = await pipeline.StartHostAsync();
        await using var receiver = await Receiver.StartAsync(pipeline);
        var spans = PipelineUnderTest.Counters(host, pipeline.Ingest.TopicFor(pipeline.Ingest.Otlp.SpansTopic));

        // Two whole hours in the past: the pipeline refuses spans from the future, and the boundary between them is explicit.
        var hourA = UtcHour.Floor(DateTimeOffset.UtcNow) - (2 * UtcHour.Length);
        var hourB = hourA + UtcHour.Length;

        // Protobuf, from the SDK: route from the resource's service.name, tenant on each span.
        Call[] checkout =
        [
            new(hourA.AddMinutes(10), TimeSpan.FromMilliseconds(1_250), "checkout-api", "acme", Input: 120_000, CacheRead: 40_000, Output: 9_000),
            new(hourB.AddMilliseconds(-1), TimeSpan.FromMilliseconds(2_400), "checkout-api", "acme", Input: 36_000, CacheRead: 0, Output: 4_000),
            new(hourB, TimeSpan.FromMilliseconds(800), "checkout-api", "acme", Input: 52_000, CacheRead: 24_000, Output: 2_000),
            new(hourB.AddMinutes(20), TimeSpan.FromMilliseconds(640), "checkout-api", "acme", Input: 8_000, CacheRead: 0, Output: 1_000),
        ];
        var recorder = new RecordingHandler();
        var sdkSpans = new List<Activity>();
        Activity refusedBySdk;
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("checkout-api"))
            .AddSource(SourceName)
            .AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = receiver.Traces;
                o.ExportProcessorType = ExportProcessorType.Simple;
                o.HttpClientFactory = () => new HttpClient(recorder, disposeHandler: false);
            })
            .Build())
        using (var source = new ActivitySource(SourceName))
        {
            sdkSpans.AddRange(checkout.Select(c => EmitChat(source, c, tenant: true)));
            refusedBySdk = EmitChat(source, checkout[3] with { Start = hourB.AddMinutes(25) }, tenant: false);
            EmitHttpClientCall(source, hourB.AddMinutes(26));
            Assert.True(tracing.ForceFlush(10_000));
        }

        // The simple processor exports each span alone as it ends, so the exchanges are in emission order.
        var exported = recorder.Exchanges;
        Assert.Equal(checkout.Length + 2, exported.Count);
        Assert.All(exported, e =>
        {
            Assert.Equal("application/x-protobuf", e.ContentType);
            Assert.Equal(HttpStatusCode.OK, e.Status);
        });
        Assert.All(exported.Take(checkout.Length).Append(exported[^1]), e => Assert.Null(OtlpAnswer.ProtoPartialSuccess(e.ResponseBody)));
        var sdkRejected = OtlpAnswer.ProtoPartialSuccess(exported[checkout.Length].ResponseBody);
        Assert.NotNull(sdkRejected);
        Assert.Equal(1, sdkRejected.Value.RejectedSpans);
        Assert.Contains($"span {Id(refusedBySdk)}: no tenant", sdkRejected.Value.ErrorMessage, StringComparison.Ordinal);

        // JSON: route from the span's http.route, tenant on the resource, provider in the older gen_ai.system.
        Call[] search =
        [
            new(hourA.AddMinutes(5), TimeSpan.FromMilliseconds(3_100), "/search", "globex", Input: 200_000, CacheRead: 96_000, Output: 10_000),
            new(hourB.AddMinutes(30), TimeSpan.FromMilliseconds(900), "/search", "globex", Input: 64_000, CacheRead: 0, Output: 3_000),
        ];
        Call zipped = new(hourB.AddMinutes(40), TimeSpan.FromMilliseconds(450), "/search", "globex", Input: 16_000, CacheRead: 8_000, Output: 1_000);
        var jsonIds = search.Select(_ => NewIds()).ToList();
        var (fractionalTrace, fractionalSpan) = NewIds();
        var fractional = Span(fractionalTrace, fractionalSpan, "chat gpt-4o", Client, hourB.AddMinutes(31), hourB.AddMinutes(32),
            [StringValue("http.route", "/search"), StringValue("gen_ai.system", Provider), StringValue("gen_ai.request.model", RequestModel), DoubleValue("gen_ai.usage.input_tokens", 12.5), IntValue("gen_ai.usage.output_tokens", 3)]);
        var (serverTrace, serverSpan) = NewIds();
        var server = Span(serverTrace, serverSpan, "GET /search", Server, hourB.AddMinutes(33), hourB.AddMinutes(34),
            [StringValue("http.request.method", "GET"), StringValue("http.route", "/search"), IntValue("http.response.status_code", 200)]);
        var searchResource = new[] { StringValue("service.name", "search-api"), StringValue("tenant.id", "globex") };
        var json = new OtlpJsonRequest()
            .Resource(searchResource, [.. search.Select((c, i) => SearchSpan(jsonIds[i], c)), fractional, server])
            .ToBytes();
        var zippedIds = NewIds();
        var gzipped = Gzip(new OtlpJsonRequest().Resource(searchResource, SearchSpan(zippedIds, zipped)).ToBytes());

        using var http = new HttpClient();
        var jsonAnswer = await PostAsync(http, receiver.Traces, json, "application/json");
        Assert.True(jsonAnswer.Status == HttpStatusCode.OK, Shown(jsonAnswer));
        var jsonRejected = OtlpAnswer.JsonPartialSuccess(jsonAnswer.Body);
        Assert.NotNull(jsonRejected);
        Assert.Equal(1, jsonRejected.Value.RejectedSpans);
        Assert.Contains($"span {fractionalTrace}/{fractionalSpan}: gen_ai.usage.input_tokens", jsonRejected.Value.ErrorMessage, StringComparison.Ordinal);
        var zippedAnswer = await PostAsync(http, receiver.Traces, gzipped, "application/json", contentEncoding: "gzip");
        Assert.True(zippedAnswer.Status == HttpStatusCode.OK, Shown(zippedAnswer));
        Assert.Null(OtlpAnswer.JsonPartialSuccess(zippedAnswer.Body));

        // 6 SDK exports of one span each, 4 spans in the JSON request, 1 in the gzip one.
        await Eventually.TrueAsync(() => spans.Processed >= 11, Patience, () => Describe(spans));
        Assert.Equal((7L, 0L, 2L, 2L), (spans.Stored, spans.Duplicates, spans.DeadLettered, spans.Ignored));

        // Retries: two SDK exports byte for byte, the gzip request again, and one SDK span again as JSON with upper-case ids.
        foreach (var resent in new[] { exported[0], exported[2] })
        {
            var again = await PostAsync(http, receiver.Traces, resent.RequestBody, "application/x-protobuf");
            Assert.Equal(HttpStatusCode.OK, again.Status);
            Assert.Null(OtlpAnswer.ProtoPartialSuccess(again.Body));
        }

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, receiver.Traces, gzipped, "application/json", contentEncoding: "gzip")).Status);
        var asJson = new OtlpJsonRequest().Resource([StringValue("service.name", "checkout-api")], CheckoutSpanAsJson(sdkSpans[3], checkout[3])).ToBytes();
        var asJsonAnswer = await PostAsync(http, receiver.Traces, asJson, "application/json");
        Assert.True(asJsonAnswer.Status == HttpStatusCode.OK, Shown(asJsonAnswer));
        Assert.Null(OtlpAnswer.JsonPartialSuccess(asJsonAnswer.Body));

        await Eventually.TrueAsync(() => spans.Processed >= 15, Patience, () => Describe(spans));
        Assert.Equal((7L, 4L, 2L, 2L), (spans.Stored, spans.Duplicates, spans.DeadLettered, spans.Ignored));
        await pipeline.SettledAsync(host, expected: 0, Patience);

        var stored = sdkSpans.Select(RequestId)
            .Concat(jsonIds.Append(zippedIds).Select(ids => $"{ids.TraceId}:{ids.SpanId}"));
        Assert.Equal(StoredIds.Of(stored), await pipeline.StoredRequestIdsAsync());

        Call[] counted = [.. checkout, .. search, zipped];
        var price = ListPrice(hourA);
        var expectedUsage = counted
            .GroupBy(c => (Hour: UtcHour.Floor(c.Start), c.Route, c.Tenant))
            .Select(g => new UsageLine(g.Key.Hour, g.Key.Route, g.Key.Tenant, Provider, ResponseModel, RequestModel, "interactive", "api",
                g.LongCount(), g.Sum(c => c.Input), g.Sum(c => c.CacheRead), g.Sum(c => c.Output)))
            .ToList();
        Assert.Equal(Ordered(expectedUsage, u => (u.Hour, u.Route, u.Tenant)), Ordered(await UsageAsync(pipeline), u => (u.Hour, u.Route, u.Tenant)));

        var expectedCost = counted
            .GroupBy(c => (Hour: UtcHour.Floor(c.Start), c.Route, c.Tenant))
            .Select(g => new CostLine(g.Key.Hour, g.Key.Route, g.Key.Tenant, ResponseModel, "interactive", "USD", g.Sum(c => c.Cost(price)), g.Sum(c => c.Cost(price))))
            .ToList();

        // The calls' token counts are chosen to cost whole cents, so cost_hourly's cent rounding leaves them as they are.
        Assert.All(expectedCost, c => Assert.Equal(decimal.Round(c.DirectInference, 2), c.DirectInference));
        Assert.Equal(Ordered(expectedCost, c => (c.Hour, c.Route, c.Tenant)), Ordered(await CostAsync(pipeline), c => (c.Hour, c.Route, c.Tenant)));

        var dead = pipeline.ReadDeadLetters(pipeline.Ingest.Otlp.SpansTopic, 2, Patience);
        var reasons = dead.Select(d => Encoding.UTF8.GetString(d.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason))).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Contains(reasons, r => r.StartsWith($"span {Id(refusedBySdk)}: no tenant: none of truecost.tenant, tenant.id", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith($"span {fractionalTrace}/{fractionalSpan}: gen_ai.usage.input_tokens", StringComparison.Ordinal) && r.EndsWith("is not a whole number of tokens", StringComparison.Ordinal));
        Assert.All(dead, d => Assert.Equal(pipeline.Ingest.TopicFor(pipeline.Ingest.Otlp.SpansTopic), Encoding.UTF8.GetString(d.Message.Headers.GetLastBytes(DeadLetterHeaders.SourceTopic))));
        Assert.Contains(dead, d => d.Message.Value.Contains(fractionalSpan, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_receiver_answers_415_to_text_and_400_to_bodies_that_are_not_otlp_exports_and_produces_none_of_them()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        await using var receiver = await Receiver.StartAsync(pipeline);
        using var http = new HttpClient();

        var text = await PostAsync(http, receiver.Traces, Encoding.UTF8.GetBytes("chat gpt-4o 1200 tokens"), "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.Status);
        Assert.Contains("'text/plain'", OtlpAnswer.ProtoStatus(text.Body).Message, StringComparison.Ordinal);

        // resource_spans (field 1) announcing 64 bytes and carrying 2.
        var truncated = await PostAsync(http, receiver.Traces, [0x0A, 0x40, 0x0A, 0x00], "application/x-protobuf");
        Assert.Equal(HttpStatusCode.BadRequest, truncated.Status);
        var status = OtlpAnswer.ProtoStatus(truncated.Body);
        Assert.Equal(3, status.Code);
        Assert.StartsWith("not an OTLP export request", status.Message, StringComparison.Ordinal);

        var notJson = await PostAsync(http, receiver.Traces, Encoding.UTF8.GetBytes("{\"resourceSpans\": [ {"), "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, notJson.Status);
        Assert.Contains("\"code\":3", Encoding.UTF8.GetString(notJson.Body), StringComparison.Ordinal);

        var notGzip = await PostAsync(http, receiver.Traces, new OtlpJsonRequest().ToBytes(), "application/json", contentEncoding: "gzip");
        Assert.Equal(HttpStatusCode.BadRequest, notGzip.Status);
        Assert.Contains("body cannot be read", Encoding.UTF8.GetString(notGzip.Body), StringComparison.Ordinal);

        Assert.Equal(0L, HighWatermarks(pipeline.Infra.Kafka.BootstrapServers, pipeline.Ingest.TopicFor(pipeline.Ingest.Otlp.SpansTopic)));
    }

    private static Activity EmitChat(ActivitySource source, Call call, bool tenant)
    {
        List<KeyValuePair<string, object?>> tags =
        [
            new("gen_ai.operation.name", "chat"),
            new("gen_ai.provider.name", Provider),
            new("gen_ai.request.model", RequestModel),
            new("gen_ai.response.model", ResponseModel),
            new("gen_ai.usage.input_tokens", call.Input),
            new("gen_ai.usage.output_tokens", call.Output),
            new("server.address", "api.openai.com"),
        ];
        if (call.CacheRead > 0)
        {
            tags.Add(new("gen_ai.usage.cache_read.input_tokens", call.CacheRead));
        }

        if (tenant)
        {
            tags.Add(new("tenant.id", call.Tenant));
        }

        return Emit(source, $"chat {RequestModel}", call.Start, call.Latency, tags);
    }

    /// <summary>The HTTP client span beneath a model call: no gen_ai attribute, so not a model call of its own.</summary>
    private static void EmitHttpClientCall(ActivitySource source, DateTimeOffset start) =>
        Emit(source, "POST", start, TimeSpan.FromMilliseconds(600),
        [
            new("http.request.method", "POST"),
            new("url.full", "https://api.openai.com/v1/chat/completions"),
            new("server.address", "api.openai.com"),
            new("http.response.status_code", 200),
            new("tenant.id", "acme"),
        ]);

    private static Activity Emit(ActivitySource source, string name, DateTimeOffset start, TimeSpan latency, List<KeyValuePair<string, object?>> tags)
    {
        var activity = source.StartActivity(name, ActivityKind.Client, default(ActivityContext), tags, links: null, startTime: start);
        Assert.NotNull(activity);
        activity.SetEndTime((start + latency).UtcDateTime);
        activity.Stop();
        return activity;
    }

    private static JsonObject SearchSpan((string TraceId, string SpanId) ids, Call call)
    {
        List<JsonObject> attributes =
        [
            StringValue("gen_ai.operation.name", "chat"),
            StringValue("gen_ai.system", Provider),
            StringValue("gen_ai.request.model", RequestModel),
            StringValue("gen_ai.response.model", ResponseModel),
            IntValue("gen_ai.usage.input_tokens", call.Input),
            IntValue("gen_ai.usage.output_tokens", call.Output),
            StringValue("http.route", call.Route),
        ];
        if (call.CacheRead > 0)
        {
            attributes.Add(IntValue("gen_ai.usage.cache_read.input_tokens", call.CacheRead));
        }

        return Span(ids.TraceId, ids.SpanId, $"chat {RequestModel}", Client, call.Start, call.Start + call.Latency, attributes);
    }

    /// <summary>An SDK span written again by hand as JSON, ids in upper case: the same span, so the same record.</summary>
    private static JsonObject CheckoutSpanAsJson(Activity sent, Call call)
    {
        Assert.Equal(0, call.CacheRead);
        return Span(sent.TraceId.ToHexString().ToUpperInvariant(), sent.SpanId.ToHexString().ToUpperInvariant(), sent.DisplayName, Client, call.Start, call.Start + call.Latency,
        [
            StringValue("gen_ai.operation.name", "chat"),
            StringValue("gen_ai.provider.name", Provider),
            StringValue("gen_ai.request.model", RequestModel),
            StringValue("gen_ai.response.model", ResponseModel),
            IntValue("gen_ai.usage.input_tokens", call.Input),
            IntValue("gen_ai.usage.output_tokens", call.Output),
            StringValue("server.address", "api.openai.com"),
            StringValue("tenant.id", call.Tenant),
        ]);
    }

    private static (string TraceId, string SpanId) NewIds() => (ActivityTraceId.CreateRandom().ToHexString(), ActivitySpanId.CreateRandom().ToHexString());

    private static string Id(Activity a) => $"{a.TraceId.ToHexString()}/{a.SpanId.ToHexString()}";

    private static string RequestId(Activity a) => $"{a.TraceId.ToHexString()}:{a.SpanId.ToHexString()}";

    private static string Describe(TopicCounters c) =>
        $"processed {c.Processed}: stored {c.Stored}, duplicates {c.Duplicates}, dead-lettered {c.DeadLettered}, ignored {c.Ignored}";

    /// <summary>The catalogue's list price of the billed model, read as data; the cost formula is the test's own.</summary>
    private static TokenPrice ListPrice(DateTimeOffset at)
    {
        var price = Assert.Single(PriceCatalogue.Default().Prices, p => p.Provider == Provider && p.Model == ResponseModel);
        Assert.True(price.EffectiveFrom <= at && price.EffectiveTo is null, $"{Provider}/{ResponseModel} is priced from {price.EffectiveFrom:O} to {price.EffectiveTo:O}");
        Assert.Equal("USD", price.Currency);
        Assert.NotNull(price.CacheReadPer1M);
        return price;
    }

    /// <summary>POSTs the body as given; <paramref name="contentEncoding"/> only labels it.</summary>
    private static async Task<(HttpStatusCode Status, byte[] Body)> PostAsync(HttpClient http, Uri uri, byte[] body, string mediaType, string? contentEncoding = null)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        if (contentEncoding is not null)
        {
            content.Headers.ContentEncoding.Add(contentEncoding);
        }

        using var response = await http.PostAsync(uri, content);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync());
    }

    private static string Shown((HttpStatusCode Status, byte[] Body) answer) => $"{(int)answer.Status}: {Encoding.UTF8.GetString(answer.Body)}";

    private static long HighWatermarks(string bootstrapServers, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(30)).Topics.Single().Partitions;
        Assert.NotEmpty(partitions);
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = $"watermarks-{Guid.NewGuid():N}" }).Build();
        return partitions.Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p.PartitionId), TimeSpan.FromSeconds(30)).High.Value);
    }

    private static async Task<List<UsageLine>> UsageAsync(PipelineUnderTest pipeline)
    {
        var rows = new List<UsageLine>();
        await using var cmd = pipeline.DataSource.CreateCommand($"""
            select hour, route, tenant, provider, model, request_model, traffic_class, serving_mode, requests, input_tokens, cached_input_tokens, output_tokens
            from {pipeline.Ledger.Schema}.usage_hourly
            """);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            rows.Add(new UsageLine(r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7),
                r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11)));
        }

        return rows;
    }

    private static async Task<List<CostLine>> CostAsync(PipelineUnderTest pipeline)
    {
        var rows = new List<CostLine>();
        await using var cmd = pipeline.DataSource.CreateCommand(
            $"select hour, route, tenant, model, traffic_class, currency, direct_inference, total from {pipeline.Ledger.Schema}.cost_hourly");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            rows.Add(new CostLine(r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetDecimal(6), r.GetDecimal(7)));
        }

        return rows;
    }

    /// <summary>Rows in key order; records compare decimals by value, so 0.34 and 0.340000 are equal.</summary>
    private static List<T> Ordered<T>(IEnumerable<T> rows, Func<T, (DateTimeOffset Hour, string Route, string Tenant)> key) =>
        [.. rows.OrderBy(r => key(r).Hour).ThenBy(r => key(r).Route, StringComparer.Ordinal).ThenBy(r => key(r).Tenant, StringComparer.Ordinal)];

    /// <summary>One model call: tokens as OpenTelemetry counts them (input includes the cache reads).</summary>
    private sealed record Call(DateTimeOffset Start, TimeSpan Latency, string Route, string Tenant, long Input, long CacheRead, long Output)
    {
        public decimal Cost(TokenPrice price) =>
            (((Input - CacheRead) * price.InputPer1M) + (CacheRead * price.CacheReadPer1M!.Value) + (Output * price.OutputPer1M)) / 1_000_000m;
    }

    private sealed record UsageLine(
        DateTimeOffset Hour, string Route, string Tenant, string Provider, string Model, string RequestModel, string TrafficClass, string ServingMode,
        long Requests, long InputTokens, long CachedInputTokens, long OutputTokens);

    private sealed record CostLine(DateTimeOffset Hour, string Route, string Tenant, string Model, string TrafficClass, string Currency, decimal DirectInference, decimal Total);

    /// <summary>The OTLP/HTTP receiver of this pipeline, on a free loopback port.</summary>
    private sealed class Receiver(WebApplication app, Uri traces) : IAsyncDisposable
    {
        public Uri Traces => traces;

        public static async Task<Receiver> StartAsync(PipelineUnderTest pipeline)
        {
            var app = OtlpReceiverHost.Build(pipeline.Ingest, ["http://127.0.0.1:0"]);
            await app.StartAsync();
            return new Receiver(app, new Uri(new Uri(app.Urls.Single()), "/v1/traces"));
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
