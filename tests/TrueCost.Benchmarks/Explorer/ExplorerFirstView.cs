using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;
using TrueCost.Api;
using TrueCost.Benchmarks.Measurement;
using TrueCost.Benchmarks.Queries;
using TrueCost.Ledger.Storage;

namespace TrueCost.Benchmarks.Explorer;

/// <param name="ServerP50Ms">GET /ui/ (the overview's default view) until its last byte, with the key header.</param>
/// <param name="BrowserP50Ms">In Chromium, from the start of the navigation to the overview's chart drawn (the page's own performance mark), with a fresh browser context (nothing cached) each run; null without Chromium.</param>
/// <param name="WarmBrowserP50Ms">The same page opened again in the same context (the script cached, as for a returning user).</param>
public sealed record ExplorerFirstViewResult(
    int Runs,
    double ServerP50Ms,
    double ServerP95Ms,
    double ExplorerServerP95Ms,
    double MonthServerP95Ms,
    double? BrowserP50Ms,
    double? BrowserP95Ms,
    double? WarmBrowserP50Ms,
    double? WarmBrowserP95Ms,
    string? BrowserNote);

/// <summary>
/// The cost explorer's first view over the seeded ledger: the API host (ApiHost, as <c>truecost api</c> runs it)
/// on a loopback port, the overview and explorer pages timed on the server, and the overview timed in Debian's
/// Chromium (Playwright) until its ECharts chart has drawn, each run in a new browser context so the charting
/// library is fetched again.
/// </summary>
public static class ExplorerFirstView
{
    public const string Chromium = "/usr/bin/chromium";
    private const int WarmupRuns = 2;

    public static async Task<ExplorerFirstViewResult> RunAsync(QueryData data, int repeats, CancellationToken ct)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var options = new ApiOptions { Keys = [new ApiKey { Name = "bench", KeyHash = ApiKey.HashOf(key) }], RateLimit = new ApiRateLimit { PermitsPerMinute = 1_000_000 } };
        await using var app = ApiHost.Build(data.ConnectionString, options, ["http://127.0.0.1:0"], new LedgerOptions());
        await app.StartAsync(ct);
        var address = new Uri(app.Urls.Single());
        using var http = new HttpClient { BaseAddress = address };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var month = $"/ui/?from={data.From:yyyy-MM-dd}&to={data.To:yyyy-MM-dd}";
        var overview = await TimeAsync(http, "/ui/", repeats, ct);
        var explorer = await TimeAsync(http, "/ui/explorer", repeats, ct);
        var whole = await TimeAsync(http, month, repeats, ct);
        var (cold, warm, note) = await BrowserAsync(address, key, Math.Min(repeats, 10), ct);
        return new ExplorerFirstViewResult(
            repeats, Percentiles.Of(overview, 50), Percentiles.Of(overview, 95), Percentiles.Of(explorer, 95), Percentiles.Of(whole, 95),
            P(cold, 50), P(cold, 95), P(warm, 50), P(warm, 95), note);
    }

    private static async Task<List<double>> TimeAsync(HttpClient http, string path, int repeats, CancellationToken ct)
    {
        var timings = new List<double>();
        for (var run = -WarmupRuns; run < repeats; run++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await http.GetAsync(path, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            if (!response.IsSuccessStatusCode || body.Length == 0)
            {
                throw new BenchmarkException($"GET {path} answered {(int)response.StatusCode} with {body.Length} bytes");
            }

            if (run >= 0)
            {
                timings.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return timings;
    }

    private static double? P(List<double>? timings, int percentile) => timings is null ? null : Percentiles.Of(timings, percentile);

    private static async Task<(List<double>? Cold, List<double>? Warm, string? Note)> BrowserAsync(Uri address, string key, int runs, CancellationToken ct)
    {
        if (!File.Exists(Chromium))
        {
            return (null, null, $"{Chromium} is not installed (apt-get install chromium): the browser figure is skipped");
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var session = await SignInAsync(browser, address, key);
        var (cold, warm) = (new List<double>(), new List<double>());
        for (var run = -1; run < runs; run++)
        {
            ct.ThrowIfCancellationRequested();
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
            await context.AddCookiesAsync(session);
            var page = await context.NewPageAsync();
            var first = await OpenOverviewAsync(page, address);
            var again = await OpenOverviewAsync(page, address);
            if (run >= 0)
            {
                cold.Add(first);
                warm.Add(again);
            }
        }

        return (cold, warm, null);
    }

    /// <summary>
    /// Milliseconds from the start of the navigation to the overview's chart drawn, as the page itself marks it
    /// (User Timing, explorer.js): Playwright's wait for the mark's attribute adds a poll of up to ~200 ms here that
    /// no user sees, so the browser's own clock is read instead.
    /// </summary>
    private static async Task<double> OpenOverviewAsync(IPage page, Uri address)
    {
        await page.GotoAsync(new Uri(address, "/ui/").AbsoluteUri);
        await page.WaitForSelectorAsync("#buckets[data-rendered='true']", new PageWaitForSelectorOptions { Timeout = 30_000 });
        return await page.EvaluateAsync<double>("() => performance.getEntriesByName('truecost:chart-drawn:buckets')[0].startTime");
    }

    /// <summary>Signs in through the form once and returns the session cookie for the timed contexts.</summary>
    private static async Task<IReadOnlyList<Cookie>> SignInAsync(IBrowser browser, Uri address, string key)
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(address, "/ui/sign-in").AbsoluteUri);
        await page.FillAsync("#key", key);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(new Uri(address, "/ui/").AbsoluteUri);
        return [.. (await context.CookiesAsync()).Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, SameSite = c.SameSite })];
    }
}
