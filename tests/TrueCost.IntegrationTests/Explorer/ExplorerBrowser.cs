using Microsoft.Playwright;
using TrueCost.IntegrationTests.Api;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Reporting;

namespace TrueCost.IntegrationTests.Explorer;

/// <summary>
/// One API over <see cref="ExplorerLedger"/> and one Debian Chromium driven by Playwright for a whole test class
/// (never a browser Playwright downloads). Each test opens its own browser context, so no cookie is shared.
/// </summary>
public sealed class ExplorerBrowser(InfrastructureFixture infra) : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private readonly Dictionary<string, string> _signedIn = new(StringComparer.Ordinal);

    public ApiUnderTest Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Api = await ApiUnderTest.StartAsync(infra, governance: ExplorerLedger.Governance(), seed: ExplorerLedger.SeedAsync);
        if (!File.Exists(Chromium.Binary))
        {
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium.Binary,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser context on the API, signed out (skips the test when Chromium is not installed).</summary>
    public Task<BrowserSession> OpenAsync(params string[] permissions) => OpenAsync(null, permissions);

    /// <summary>
    /// A fresh context holding <paramref name="key"/>'s session cookie, on a blank page: the key signs in through the
    /// form once per class, and later contexts start from the cookies that sign-in left.
    /// </summary>
    public async Task<BrowserSession> SignedInAsync(string key, params string[] permissions)
    {
        if (!_signedIn.TryGetValue(key, out var state))
        {
            await using var first = await SignInAsync(key);
            _signedIn[key] = state = await first.Context.StorageStateAsync();
        }

        return await OpenAsync(state, permissions);
    }

    private async Task<BrowserSession> OpenAsync(string? storageState, string[] permissions)
    {
        Skip.If(_browser is null, $"{Chromium.Binary} is missing (apt-get install -y chromium; tests/run.sh installs it)");
        var context = await _browser!.NewContextAsync(new() { BaseURL = Api.Address.ToString(), ViewportSize = new() { Width = 1400, Height = 900 }, StorageState = storageState });
        context.SetDefaultTimeout(15_000);
        if (permissions.Length > 0)
        {
            await context.GrantPermissionsAsync(permissions, new() { Origin = Api.Address.GetLeftPart(UriPartial.Authority) });
        }

        return new BrowserSession(context, await context.NewPageAsync());
    }

    /// <summary>A context signed in with <paramref name="key"/> through the sign-in form that <paramref name="path"/> leads to, on the page it lands on.</summary>
    public async Task<BrowserSession> SignInAsync(string key, string path = "/ui/sign-in")
    {
        var session = await OpenAsync();
        await session.Page.GotoAsync(path);
        await session.Page.GetByLabel("API key").FillAsync(key);
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await session.Page.WaitForURLAsync(url => !url.Contains("/ui/sign-in", StringComparison.Ordinal));
        return session;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        await Api.DisposeAsync();
    }
}

/// <summary>A browser context and its page; remembers every URL the page requested.</summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly List<string> _requested = [];

    public BrowserSession(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        context.Request += (_, request) =>
        {
            lock (_requested)
            {
                _requested.Add(request.Url);
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public IReadOnlyList<string> Requested
    {
        get
        {
            lock (_requested)
            {
                return [.. _requested];
            }
        }
    }

    /// <summary>Opens a path and fails on any status but <paramref name="status"/>.</summary>
    public async Task GoAsync(string path, int status = 200)
    {
        var response = await Page.GotoAsync(path);
        Assert.True(response?.Status == status, $"GET {path}: {response?.Status}, expected {status}");
    }

    /// <summary>The text of every cell of a table's body (or footer), row by row.</summary>
    public Task<string[][]> RowsAsync(string table, string section = "tbody") =>
        Page.EvalOnSelectorAllAsync<string[][]>($"{table} > {section} > tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))");

    /// <summary>Waits until every chart on the page was drawn by ECharts into a canvas.</summary>
    public async Task ChartsRenderedAsync()
    {
        await Page.WaitForFunctionAsync("() => [...document.querySelectorAll('div.chart[data-chart]')].every(c => c.dataset.rendered === 'true' && c.querySelector('canvas'))");
    }

    public ValueTask DisposeAsync() => Context.DisposeAsync();
}
