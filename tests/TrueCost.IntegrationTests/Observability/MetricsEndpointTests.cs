using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using TrueCost.Contracts;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.IntegrationTests.Reporting;
using TrueCost.Synthetic;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.Observability;

[Collection("infrastructure")]
public partial class MetricsEndpointTests(InfrastructureFixture infra, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private static readonly string[] PromtoolPaths = ["/usr/bin/promtool", "/usr/local/bin/promtool"];

    [SkippableFact]
    public async Task An_ingest_process_counts_on_metrics_exactly_what_it_stored_and_the_exposition_passes_promtool()
    {
        var promtool = Promtool();
        Skip.If(promtool is null, "promtool is not installed (apt-get install -y prometheus); it validates the exposition");
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra, partitions: 3);
        var records = new RequestLogGenerator(Day, 3_000, seed: 41, invalidShare: 0.02).Generate().ToList();
        using var worker = OpsProcess.Ingest(pipeline);
        await pipeline.ProduceAsync(records);

        var topic = ("topic", pipeline.RequestTopic);
        var scrape = await worker.ScrapeUntilAsync(
            m => m.Sum("truecost_ingest_records_stored_total", topic) + m.Sum("truecost_ingest_records_dead_lettered_total", topic) == records.Count
                && m.Of("truecost_ingest_consumer_lag", topic).Count() == 3 && m.Sum("truecost_ingest_consumer_lag", topic) == 0
                && m.Sum("truecost_allocation_queue_size") == 0 && m.Sum("truecost_usage_unpriced_ratio") is not null,
            Patience,
            $"every one of the {records.Count} records counted as stored or dead-lettered, no lag, allocation done");

        var stored = await pipeline.StoredRequestIdsAsync();
        Assert.Equal(stored.Count, scrape.Sum("truecost_ingest_records_stored_total", topic));
        Assert.InRange(scrape.Sum("truecost_ingest_records_dead_lettered_total", topic)!.Value, 1, records.Count * 0.1);
        Assert.InRange(scrape.Sum("truecost_ingest_records_consumed_total", topic)!.Value, records.Count, double.MaxValue);
        Assert.True(scrape.Sum("truecost_ingest_batch_duration_seconds_count", topic) > 0, "no batch latency recorded");
        Assert.Equal(1, scrape.Sum("truecost_projector_leader"));
        Assert.Equal(1, scrape.Sum("truecost_allocator_healthy"));
        Assert.Equal(0, scrape.Sum("truecost_allocation_quarantine_size"));
        Assert.NotEmpty(scrape.Of("truecost_projection_lag_seconds"));
        Assert.NotNull(scrape.Sum("truecost_allocation_lag_seconds"));

        await AssertProbeAsync(worker, "/healthz", "ingest");
        await AssertProbeAsync(worker, "/readyz", "postgres", "kafka", "allocator", "projector");

        var file = Path.Combine(Path.GetTempPath(), $"truecost-metrics-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, scrape.Text);
        try
        {
            var check = await ExternalProcess.RunAsync("/bin/sh", ["-c", $"'{promtool}' check metrics < '{file}'"], TimeSpan.FromSeconds(30));
            output.WriteLine($"promtool check metrics: exit {check.ExitCode} {check.Stdout}{check.Stderr}");
            Assert.True(check.ExitCode == 0, check.Describe("promtool check metrics"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [SkippableFact]
    public async Task Every_metric_the_Grafana_dashboard_queries_is_served_by_the_ingest_or_the_report_worker_process()
    {
        var rabbit = await RabbitMqBroker.EnsureRunningAsync();
        Skip.If(rabbit is not null, $"the report worker needs RabbitMQ: {rabbit}");
        var queried = DashboardMetrics();
        Assert.Contains("truecost_ingest_records_stored_total", queried);

        await using var pipeline = await PipelineUnderTest.CreateAsync(infra, partitions: 2);
        using var ingest = OpsProcess.Ingest(pipeline);
        await pipeline.ProduceAsync(new RequestLogGenerator(Day, 200, seed: 42, invalidShare: 0.05).Generate());
        var vhost = await RabbitMqBroker.NewVirtualHostAsync();
        try
        {
            using var reports = OpsProcess.Start("report-worker", port =>
            [
                "--postgres", pipeline.Postgres,
                "--rabbitmq", $"amqp://guest:guest@localhost:5672/{Uri.EscapeDataString(vhost.VirtualHost)}",
                "--webhook", "http://127.0.0.1:9/reports",
                "--no-schedule",
                "--out", Path.Combine(Path.GetTempPath(), $"truecost-reports-{Guid.NewGuid():N}"),
                "--ops-urls", $"http://127.0.0.1:{port}",
            ]);

            // The listener's own requests (probes, scrapes) feed the HTTP server series, so they show from the second scrape on.
            var served = (await ingest.ScrapeUntilAsync(
                    m => m.Sum("truecost_ingest_records_stored_total", ("topic", pipeline.Ingest.TopicFor(Topics.RequestLogs))) > 0
                        && m.Names.Contains("http_server_request_duration_seconds_count")
                        && m.Names.Contains("truecost_usage_unpriced_ratio")
                        && m.Names.Contains("truecost_ingest_consumer_lag"),
                    Patience,
                    "the ingest process serves its series")).Names
                .Concat((await reports.ScrapeUntilAsync(m => m.Names.Contains("truecost_reports_runs_total"), Patience, "the report worker serves its series")).Names)
                .ToHashSet(StringComparer.Ordinal);

            await AssertProbeAsync(reports, "/readyz", "postgres", "masstransit-bus");
            var missing = queried.Where(name => !served.Contains(name)).ToList();
            Assert.True(missing.Count == 0, $"the dashboard queries series no process serves: {string.Join(", ", missing)}");
        }
        finally
        {
            await RabbitMqBroker.DeleteVirtualHostAsync(vhost);
        }
    }

    /// <summary>Every metric name in the expressions of infra/grafana/truecost.json.</summary>
    private static HashSet<string> DashboardMetrics()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "infra", "grafana", "truecost.json")));
        var expressions = Panels(dashboard.RootElement)
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();
        Assert.NotEmpty(expressions);
        return expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);
    }

    private static IEnumerable<JsonElement> Panels(JsonElement parent) =>
        parent.TryGetProperty("panels", out var panels)
            ? panels.EnumerateArray().SelectMany(p => (IEnumerable<JsonElement>)[p, .. Panels(p)])
            : [];

    private static async Task AssertProbeAsync(OpsProcess process, string path, params string[] checks)
    {
        using var response = await process.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal("healthy", json.RootElement.GetProperty("status").GetString());
        var reported = json.RootElement.GetProperty("checks").EnumerateObject().Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        Assert.All(checks, check => Assert.Contains(check, reported));
    }

    private static string? Promtool() => PromtoolPaths.FirstOrDefault(File.Exists);

    [GeneratedRegex(@"\b(truecost|http_server)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
