using System.Net;
using TrueCost.Contracts.Metrics;

namespace TrueCost.Ingest.GpuSamples;

/// <summary>One target's scrape: its points and unreadable lines, or why the endpoint could not be read.</summary>
public sealed record TargetScrape(Uri Target, IReadOnlyList<MetricPoint> Points, IReadOnlyList<string> LineErrors, string? Failure);

/// <summary>
/// GETs <c>/metrics</c> endpoints as Prometheus does: OpenMetrics preferred, 0.0.4 text accepted, the target's
/// <c>instance</c> (host:port) added to every sample without one. One HTTP client for the life of the process.
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    private const string Accept = "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    private readonly HttpClient _http;
    private readonly TimeProvider _clock;

    /// <param name="timeout">How long a target may take to answer; a slower one fails this scrape.</param>
    public MetricsEndpoint(TimeSpan timeout, TimeProvider clock)
    {
        _clock = clock;
        _http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All }) { Timeout = timeout };
        _http.DefaultRequestHeaders.TryAddWithoutValidation("Accept", Accept);
    }

    public async Task<TargetScrape> ScrapeAsync(Uri target, CancellationToken ct)
    {
        var scrapeTime = _clock.GetUtcNow();
        try
        {
            using var response = await _http.GetAsync(target, ct);
            if (!response.IsSuccessStatusCode)
            {
                return Failed(target, $"answered {(int)response.StatusCode} {response.ReasonPhrase}; check the URL and that the exporter serves /metrics there");
            }

            var text = await response.Content.ReadAsStringAsync(ct);
            var format = PrometheusText.FormatOf(response.Content.Headers.ContentType?.ToString());
            var instance = new Dictionary<string, string> { ["instance"] = $"{target.Host}:{target.Port}" };
            var parsed = PrometheusText.Parse(text, format, scrapeTime, instance);
            return new TargetScrape(target, parsed.Points, parsed.Errors, null);
        }
        catch (HttpRequestException e)
        {
            return Failed(target, $"cannot be reached: {e.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failed(target, $"did not answer within {_http.Timeout.TotalSeconds:0.#} s");
        }
    }

    public void Dispose() => _http.Dispose();

    private static TargetScrape Failed(Uri target, string reason) => new(target, [], [], reason);
}
