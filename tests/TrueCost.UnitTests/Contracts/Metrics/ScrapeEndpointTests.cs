using System.Net;
using System.Net.Sockets;
using System.Text;
using TrueCost.Ingest.GpuSamples;

namespace TrueCost.UnitTests.Contracts.Metrics;

/// <summary>The HTTP side of <c>truecost scrape</c>, against a local listener standing in for an exporter.</summary>
public sealed class ScrapeEndpointTests : IDisposable
{
    private static readonly TimeProvider Clock = new FixedClock(new DateTimeOffset(2026, 11, 16, 14, 0, 15, TimeSpan.Zero));

    /// <summary>A request that never reached the listener fails the test instead of leaving it waiting for ever.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly HttpListener _listener = new();
    private readonly int _port = FreePort();
    private readonly MetricsEndpoint _endpoint = new(TimeSpan.FromSeconds(5), Clock);

    public ScrapeEndpointTests()
    {
        _listener.Prefixes.Add($"http://127.0.0.1:{_port}/");
        _listener.Start();
    }

    [Fact]
    public async Task A_text_format_target_is_read_with_its_instance_and_the_scrape_time()
    {
        var serving = Serve(HttpStatusCode.OK, "text/plain; version=0.0.4; charset=utf-8", ExporterOutput.DcgmTwoH100);

        var scrape = await _endpoint.ScrapeAsync(new Uri($"http://127.0.0.1:{_port}/metrics"), CancellationToken.None);
        var accept = await serving.WaitAsync(Patience);

        Assert.Null(scrape.Failure);
        Assert.Empty(scrape.LineErrors);
        Assert.Equal(16, scrape.Points.Count);
        Assert.All(scrape.Points, p => Assert.Equal(($"127.0.0.1:{_port}", Clock.GetUtcNow()), (p.Labels["instance"], p.Timestamp)));
        Assert.StartsWith("application/openmetrics-text", accept, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_openmetrics_answer_is_read_with_second_timestamps()
    {
        var serving = Serve(HttpStatusCode.OK, "application/openmetrics-text; version=1.0.0; charset=utf-8", "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name=\"m\"} 4.0 1763301615.5\n# EOF\n");

        var scrape = await _endpoint.ScrapeAsync(new Uri($"http://127.0.0.1:{_port}/metrics"), CancellationToken.None);
        await serving.WaitAsync(Patience);

        var point = Assert.Single(scrape.Points);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1763301615500), point.Timestamp);
    }

    [Fact]
    public async Task A_target_answering_an_error_status_fails_with_the_status()
    {
        var serving = Serve(HttpStatusCode.NotFound, "text/plain", "404 page not found");

        var scrape = await _endpoint.ScrapeAsync(new Uri($"http://127.0.0.1:{_port}/metric"), CancellationToken.None);
        await serving.WaitAsync(Patience);

        Assert.StartsWith("answered 404 Not Found", scrape.Failure, StringComparison.Ordinal);
        Assert.Empty(scrape.Points);
    }

    [Fact]
    public async Task An_unreachable_target_fails_with_the_reason()
    {
        var scrape = await _endpoint.ScrapeAsync(new Uri($"http://127.0.0.1:{FreePort()}/metrics"), CancellationToken.None);

        Assert.StartsWith("cannot be reached: ", scrape.Failure, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _endpoint.Dispose();
        _listener.Close();
    }

    /// <summary>Answers one request; returns the Accept header it was sent.</summary>
    private async Task<string> Serve(HttpStatusCode status, string contentType, string body)
    {
        var context = await _listener.GetContextAsync();
        var accept = context.Request.Headers["Accept"] ?? string.Empty;
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
        return accept;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
