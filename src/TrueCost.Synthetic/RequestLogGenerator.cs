using System.Text;
using System.Text.Json;
using TrueCost.Contracts;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;

namespace TrueCost.Synthetic;

/// <summary>
/// A route of the synthetic product, the model that serves it, its share of requests, its typical
/// sizes, and how its requests spread over the day (<see cref="TrafficShapes"/>).
/// </summary>
public sealed record SyntheticRoute(string Route, string Provider, string Model, string ServingMode, string? GpuPool, string TrafficClass, double Share, int InputTokens, int OutputTokens, IReadOnlyList<double> HourWeights);

/// <summary>
/// Deterministic synthetic request logs over the days of a <see cref="SyntheticCalendar"/> (one UTC day by
/// default): diurnal traffic, a Zipf spread of tenants, API and self-hosted routes, errors and their retries,
/// a small share of invalid records, and the <see cref="InjectedAnomalies"/> when given. Exactly
/// <c>requests</c> first attempts or invalid records; the same seed always yields the same records.
/// </summary>
public sealed class RequestLogGenerator(SyntheticCalendar calendar, int requests, int seed = 42, double invalidShare = 0.001, InjectedAnomalies? anomalies = null)
{
    public RequestLogGenerator(DateTimeOffset day, int requests, int seed = 42, double invalidShare = 0.001)
        : this(SyntheticCalendar.OneDay(day), requests, seed, invalidShare)
    {
    }

    /// <summary>
    /// The product's routes. Most are user-facing and follow the diurnal curve; two API routes carry
    /// enough steady volume on an expensive model for the breakeven rules to recommend leaving the API.
    /// </summary>
    public static readonly IReadOnlyList<SyntheticRoute> Routes =
    [
        // Customer support chat: the bulk of requests, short turns on a cheap model; stays on the API.
        new("/chat/support", "openai", "gpt-4o-mini", ServingModes.Api, null, "interactive", 0.25, 900, 250, TrafficShapes.Diurnal),

        // IDE assistant: a premium model but office-hours only, so the peak would leave replicas idle most of the day.
        new("/code/assist", "anthropic", "claude-sonnet-4", ServingModes.Api, null, "interactive", 0.10, 2500, 600, TrafficShapes.Diurnal),

        // Search reranking: tiny outputs on the cheapest model; never worth a GPU.
        new("/search/rerank", "gcp.gemini", "gemini-2.0-flash", ServingModes.Api, null, "interactive", 0.09, 1200, 40, TrafficShapes.Diurnal),

        // Already self-hosted: batch summaries on L40S, the planning agent on H100, a safety classifier.
        new("/summarize", "vllm", "llama-3.1-8b-instruct", ServingModes.SelfHosted, "l40s-pool", "batch", 0.19, 3000, 300, TrafficShapes.Diurnal),
        new("/agent/plan", "vllm", "llama-3.1-70b-instruct", ServingModes.SelfHosted, "h100-pool", "interactive", 0.14, 1800, 500, TrafficShapes.Diurnal),
        new("/moderation", "vllm", "llama-guard-3-8b", ServingModes.SelfHosted, "l40s-pool", "safety", 0.05, 400, 10, TrafficShapes.Diurnal),

        // Nightly evaluation suite on a frontier model: low volume, stays on the API.
        new("/eval/nightly", "openai", "gpt-4o", ServingModes.Api, null, "eval", 0.03, 1500, 400, TrafficShapes.Diurnal),

        // Contract extraction: long documents from a queue drained around the clock at a fixed rate on a
        // premium model. Steady, very high token volume keeps a self-hosted 70B fleet busy every hour.
        new("/docs/extract", "anthropic", "claude-sonnet-4", ServingModes.Api, null, "batch", 0.09, 15_000, 3_000, TrafficShapes.Flat),

        // Catalogue enrichment: a steady feed of product updates all day plus merchants' bulk imports in a
        // few business hours. The baseline would fill a replica; the bursts would leave a fleet sized for them idle.
        new("/catalog/enrich", "anthropic", "claude-sonnet-4", ServingModes.Api, null, "background", 0.06, 18_000, 6_000, TrafficShapes.BaselineWithBursts(4.0, 9, 13, 14)),
    ];

    public const int TenantCount = 40;

    /// <summary>Tenants follow a Zipf spread: tenant k weighs 1 / k^1.1.</summary>
    private static readonly double[] ZipfWeights = [.. Enumerable.Range(1, TenantCount).Select(k => 1.0 / Math.Pow(k, 1.1))];

    /// <summary>A tenant's share of the traffic (tenant-01 is the largest).</summary>
    public static double TenantShare(int tenant) => ZipfWeights[tenant - 1] / ZipfWeights.Sum();

    /// <summary>
    /// Day after day, as a gateway's log stream arrives (so a batch of records touches few hours); within a
    /// day the requests come in no particular order. The spike's requests join the usual ones of its day.
    /// </summary>
    public IEnumerable<SyntheticRecord> Generate()
    {
        var random = new Random(seed);
        var draws = new Draws(Cumulative(ZipfWeights), Cumulative([.. Routes.Select(r => r.Share)]), [.. Routes.Select(r => Cumulative([.. r.HourWeights]))]);
        var spike = anomalies?.Spike;
        var spikeDay = spike is null ? -1 : calendar.IndexOf(spike.Start);
        var perDay = calendar.Split(requests - (spike?.Requests ?? 0));
        var i = 0;
        for (var d = 0; d < calendar.Days.Count; d++)
        {
            var inDay = perDay[d] + (d == spikeDay ? spike!.Requests : 0);
            for (var k = 0; k < inDay; k++, i++)
            {
                var spiking = d == spikeDay && spike!.Takes(k, inDay);
                if (!spiking && random.NextDouble() < invalidShare)
                {
                    yield return Invalid(random, i);
                    continue;
                }

                var (route, at, tenant) = spiking ? SpikeRequest(random, spike!) : UsualRequest(random, draws, calendar.Days[d]);
                var record = Request(random, $"req-{seed}-{i:D9}", at, route, tenant, attempt: 1, retryOf: null);
                yield return Valid(record);
                if (record.Status != RequestStatuses.Ok && random.NextDouble() < 0.7)
                {
                    var retry = Request(random, $"req-{seed}-{i:D9}-r2", at.AddSeconds(2), route, tenant, attempt: 2, retryOf: record.RequestId);
                    yield return Valid(retry);
                }
            }
        }
    }

    private static (SyntheticRoute Route, DateTimeOffset At, string Tenant) UsualRequest(Random random, Draws draws, DateTimeOffset day)
    {
        var index = Pick(draws.Routes, random);
        var at = day.AddHours(Pick(draws.Hours[index], random)).AddMilliseconds(random.Next(0, 3_600_000));
        return (Routes[index], at, $"tenant-{Pick(draws.Tenants, random) + 1:00}");
    }

    private static (SyntheticRoute Route, DateTimeOffset At, string Tenant) SpikeRequest(Random random, TrafficSpike spike) =>
        (Routes.Single(r => r.Route == spike.Route), spike.Start.AddMilliseconds(random.Next(0, spike.Hours * 3_600_000)), spike.Tenant);

    private RequestLogRecord Request(Random random, string id, DateTimeOffset at, SyntheticRoute route, string tenant, int attempt, string? retryOf)
    {
        var roll = random.NextDouble();
        var status = roll < 0.02 ? RequestStatuses.Error : roll < 0.03 ? RequestStatuses.Timeout : RequestStatuses.Ok;
        var input = Jitter(random, route.InputTokens);
        var output = status == RequestStatuses.Ok ? Jitter(random, route.OutputTokens) : 0;
        var cached = route.ServingMode == ServingModes.Api && random.NextDouble() < 0.3 ? input / 2 : 0;
        var latency = 80 + (output * 12.0) + random.Next(0, 200);
        var record = new RequestLogRecord
        {
            RequestId = id,
            Timestamp = at,
            Route = route.Route,
            Tenant = tenant,
            ProviderName = route.Provider,
            Model = route.Model,
            InputTokens = input,
            OutputTokens = output,
            CacheReadInputTokens = cached,
            ServingMode = route.ServingMode,
            GpuPool = route.GpuPool,
            TrafficClass = route.TrafficClass,
            Status = status,
            Attempt = attempt,
            RetryOf = retryOf,
            LatencyMs = status == RequestStatuses.Timeout ? 30_000 : latency,
            TimeToFirstTokenMs = status == RequestStatuses.Ok ? 60 + random.Next(0, 400) : null,
            RequestBytes = input * 4L,
            ResponseBytes = output * 4L,
        };
        return anomalies?.Apply(record) ?? record;
    }

    private static SyntheticRecord Valid(RequestLogRecord record) =>
        new(Topics.RequestLogs, record.RequestId, JsonSerializer.SerializeToUtf8Bytes(record, WireJson.Options), Valid: true);

    /// <summary>A few kinds of broken record a real gateway fleet produces.</summary>
    private static SyntheticRecord Invalid(Random random, int i)
    {
        var id = $"bad-{i:D9}";
        var value = (i % 4) switch
        {
            0 => "{\"request_id\": \"" + id + "\", \"timestamp\": ",
            1 => "not json at all",
            2 => $$"""{"request_id":"{{id}}","timestamp":"2026-11-16T10:00:00Z","route":"/chat/support","tenant":"t","gen_ai.provider.name":"openai","gen_ai.request.model":"gpt-4o-mini","gen_ai.usage.input_tokens":-{{random.Next(1, 99)}},"gen_ai.usage.output_tokens":5,"serving_mode":"api","traffic_class":"interactive","status":"ok"}""",
            _ => $$"""{"request_id":"{{id}}","timestamp":"2026-11-16T10:00:00Z","route":"/chat/support","tenant":"t","gen_ai.provider.name":"openai","gen_ai.request.model":"gpt-4o-mini","gen_ai.usage.input_tokens":5,"gen_ai.usage.output_tokens":5,"serving_mode":"carrier-pigeon","traffic_class":"interactive","status":"ok"}""",
        };
        return new SyntheticRecord(Topics.RequestLogs, id, Encoding.UTF8.GetBytes(value), Valid: false);
    }

    private static long Jitter(Random random, int typical) => Math.Max(1, (long)(typical * (0.4 + (random.NextDouble() * 1.2))));

    private static double[] Cumulative(double[] weights)
    {
        var total = weights.Sum();
        var running = 0.0;
        return [.. weights.Select(w => running += w / total)];
    }

    private static int Pick(double[] cumulative, Random random)
    {
        var index = Array.BinarySearch(cumulative, random.NextDouble());
        return Math.Min(index < 0 ? ~index : index, cumulative.Length - 1);
    }

    /// <summary>The cumulative weights requests are drawn from.</summary>
    private sealed record Draws(double[] Tenants, double[] Routes, double[][] Hours);
}
