using System.Net;
using System.Net.Sockets;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.IntegrationTests.Reliability;

namespace TrueCost.IntegrationTests.Observability;

/// <summary>A <c>truecost</c> worker run as a process of its own with its ops listener on a free port, scraped over HTTP.</summary>
public sealed class OpsProcess : IDisposable
{
    /// <summary>Ledger gauges read every second instead of every 15, so a test waits seconds, not minutes.</summary>
    private static readonly Dictionary<string, string> FastGauges = new() { ["Ops__GaugeInterval"] = "00:00:01" };

    private readonly WorkerProcess _process;
    private readonly HttpClient _http;

    private OpsProcess(WorkerProcess process, Uri ops)
    {
        _process = process;
        _http = new HttpClient { BaseAddress = ops, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary><c>truecost ingest --with-projections</c> on the pipeline's database and topics.</summary>
    public static OpsProcess Ingest(PipelineUnderTest pipeline) => Start("ingest", port =>
    [
        "--postgres", pipeline.Postgres,
        "--kafka", pipeline.Ingest.BootstrapServers,
        "--topic-prefix", pipeline.Ingest.TopicPrefix,
        "--group", pipeline.Ingest.ConsumerGroup,
        "--with-projections",
        "--ops-urls", $"http://127.0.0.1:{port}",
    ]);

    public static OpsProcess Start(string command, Func<int, IEnumerable<string>> arguments)
    {
        var port = FreePort();
        return new OpsProcess(WorkerProcess.Start(command, arguments(port), FastGauges), new Uri($"http://127.0.0.1:{port}"));
    }

    public string OutputTail() => _process.OutputTail();

    /// <inheritdoc cref="WorkerProcess.Watch"/>
    public void Watch(string text) => _process.Watch(text);

    /// <inheritdoc cref="WorkerProcess.LinesWith"/>
    public IReadOnlyList<string> LinesWith(string text) => _process.LinesWith(text);

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(new Uri(path, UriKind.Relative));

    /// <summary>Scrapes <c>/metrics</c> until <paramref name="ready"/> holds, and returns that scrape.</summary>
    public async Task<PrometheusText> ScrapeUntilAsync(Func<PrometheusText, bool> ready, TimeSpan patience, string what)
    {
        PrometheusText? last = null;
        await Eventually.TrueAsync(
            async () =>
            {
                Assert.False(_process.HasExited, $"the process exited before {what}:{Environment.NewLine}{OutputTail()}");
                last = await TryScrapeAsync();
                return last is not null && ready(last);
            },
            patience,
            () => $"{what}; last scrape:{Environment.NewLine}{last?.Text ?? "(none answered)"}{Environment.NewLine}process output:{Environment.NewLine}{OutputTail()}");
        return last!;
    }

    /// <summary>One scrape of <c>/metrics</c>; null while the listener is not up.</summary>
    public async Task<PrometheusText?> TryScrapeAsync()
    {
        try
        {
            return PrometheusText.Parse(await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        }
        catch (HttpRequestException)
        {
            // The listener is not up yet.
            return null;
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
