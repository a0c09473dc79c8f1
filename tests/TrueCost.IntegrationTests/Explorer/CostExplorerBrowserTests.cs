using System.Globalization;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Npgsql;
using TrueCost.IntegrationTests.Api;
using TrueCost.IntegrationTests.Governance;
using TrueCost.Reporting.Governance.Budgets;
using static Microsoft.Playwright.Assertions;

namespace TrueCost.IntegrationTests.Explorer;

/// <summary>
/// The cost explorer at /ui as a person uses it, in Debian's headless Chromium driven by Playwright: signing in,
/// reading the overview, grouping, filtering and drilling down in the explorer, downloading its CSV, a tenant key's
/// view, copying a postmortem block, and the pages' landmarks, labels and axe findings. Every figure on a page is
/// checked against SQL over the same database.
/// </summary>
[Collection("infrastructure")]
public sealed class CostExplorerBrowserTests(ExplorerBrowser browser) : IClassFixture<ExplorerBrowser>
{
    private static readonly (string Name, string Path)[] Pages =
    [
        ("overview", "/ui/"), ("explorer", "/ui/explorer"), ("pools", "/ui/pools"), ("findings", "/ui/findings"),
        ("incidents", "/ui/incidents"), ("governance", "/ui/governance"),
    ];

    private static readonly string[] Dimensions = ["route", "tenant", "model", "traffic_class", "serving_mode"];

    /// <summary>The explorer table's columns: the group, the seven money columns in /v1/costs.csv's order, share, requests, tokens.</summary>
    private const int TotalColumn = 7;
    private const int TokensColumn = 10;

    [SkippableFact]
    public async Task Signing_in_with_a_wrong_key_shows_an_alert_and_leaves_the_browser_signed_out()
    {
        await using var session = await browser.OpenAsync();
        await session.GoAsync("/ui/sign-in");
        await session.Page.GetByLabel("API key").FillAsync("tc_not_a_key_31337");

        var answer = await session.Page.RunAndWaitForResponseAsync(
            () => session.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(), r => r.Request.Method == "POST");

        Assert.Equal(401, answer.Status);
        await Expect(session.Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That key does not match any configured API key.");
        await Expect(session.Page.Locator("#sign-in-error")).ToBeVisibleAsync();
        Assert.DoesNotContain(await session.Context.CookiesAsync(), c => c.Name == "truecost_session");
        await session.GoAsync("/ui/explorer");
        Assert.StartsWith($"{browser.Api.Address}ui/sign-in?return=", session.Page.Url, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Signing_in_with_the_admin_key_lands_on_the_overview_in_an_http_only_strict_cookie_and_no_url_carries_the_key()
    {
        await using var session = await browser.SignInAsync(ApiUnderTest.AdminKey);
        await Expect(session.Page.Locator("h1")).ToHaveTextAsync("Overview");
        Assert.Equal($"{browser.Api.Address}ui/", session.Page.Url);
        var cookie = Assert.Single(await session.Context.CookiesAsync(), c => c.Name == "truecost_session");
        Assert.True(cookie.HttpOnly, "the session cookie is readable by scripts");
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain("truecost_session", await session.Page.EvaluateAsync<string>("() => document.cookie"), StringComparison.Ordinal);

        await session.Page.GetByRole(AriaRole.Navigation, new() { Name = "Pages" }).GetByRole(AriaRole.Link, new() { Name = "Explorer" }).ClickAsync();
        await Expect(session.Page.Locator("h1")).ToHaveTextAsync("Explorer");
        var costs = $"/v1/costs?group_by=tenant&from={Iso(ExplorerLedger.End.AddDays(-1))}&to={Iso(ExplorerLedger.End)}";
        Assert.Equal(200, (await session.Context.APIRequest.GetAsync(costs)).Status);
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await session.Page.WaitForURLAsync("**/ui/sign-in");
        await session.GoAsync("/ui/");
        Assert.Contains("/ui/sign-in?return=", session.Page.Url, StringComparison.Ordinal);
        Assert.Equal(401, (await session.Context.APIRequest.GetAsync(costs)).Status);

        Assert.True(session.Requested.Count >= 6, string.Join('\n', session.Requested));
        Assert.DoesNotContain(session.Requested, url => url.Contains(ApiUnderTest.AdminKey, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Opening_a_page_signed_out_asks_for_the_key_and_returns_to_that_page()
    {
        await using var session = await browser.SignInAsync(ApiUnderTest.AdminKey, "/ui/explorer?group_by=model");

        Assert.Equal($"{browser.Api.Address}ui/explorer?group_by=model", session.Page.Url);
        await Expect(session.Page.Locator("#group_by")).ToHaveValueAsync("model");
    }

    [SkippableFact]
    public async Task Overview_total_is_the_ledger_total_of_the_last_seven_days_and_the_bucket_chart_is_drawn()
    {
        await using var session = await browser.SignedInAsync(ApiUnderTest.AdminKey);
        await session.GoAsync("/ui/");
        var (from, to) = await RangeAsync(session.Page);

        Assert.Equal((ExplorerLedger.End.AddDays(-7), ExplorerLedger.End), (from, to));
        var total = await ScalarAsync("select sum(total) from truecost.cost_hourly where currency = 'USD' and hour >= $1 and hour < $2", from, to);
        var text = await session.Page.Locator("#total").TextContentAsync();
        Assert.Equal($"{total.ToString("#,##0.00", CultureInfo.InvariantCulture)} USD", text);
        var previous = await ScalarAsync("select sum(total) from truecost.cost_hourly where currency = 'USD' and hour >= $1 and hour < $2", from.AddDays(-7), from);
        Assert.Contains($"{Math.Abs(total - previous).ToString("#,##0.00", CultureInfo.InvariantCulture)} USD", await session.Page.Locator("#change").TextContentAsync(), StringComparison.Ordinal);
        var unpriced = await ScalarAsync("select 100.0 * sum(unpriced_requests) / sum(requests) from truecost.priced_usage where hour >= $1 and hour < $2", from, to);
        await Expect(session.Page.Locator("#unpriced")).ToHaveTextAsync($"{unpriced.ToString("0.0", CultureInfo.InvariantCulture)} %");

        await session.ChartsRenderedAsync();
        await Expect(session.Page.Locator("#buckets")).ToHaveAttributeAsync("data-rendered", "true");
        Assert.Equal(1, await session.Page.Locator("#buckets canvas").CountAsync());
    }

    [SkippableFact]
    public async Task Grouping_the_explorer_by_model_and_filtering_one_route_puts_the_view_in_the_url_and_the_ledger_sums_in_the_table()
    {
        await using var session = await browser.SignedInAsync(ApiUnderTest.AdminKey);
        await session.GoAsync("/ui/explorer");
        var (from, to) = await RangeAsync(session.Page);

        await session.Page.Locator("#group_by").SelectOptionAsync("model");
        await ShowAsync(session.Page);

        Assert.Equal("model", Query(session.Page.Url)["group_by"]);
        await AssertGroupsAsync(session, "model", from, to, route: null);

        await session.Page.Locator("#f-route").SelectOptionAsync("chat");
        await ShowAsync(session.Page);

        Assert.Equal(("model", "chat"), (Query(session.Page.Url)["group_by"], Query(session.Page.Url)["route"]));
        await AssertGroupsAsync(session, "model", from, to, route: "chat");
        var tokens = await GroupedAsync(
            "select model, sum(input_tokens + output_tokens)::numeric from truecost.usage_hourly where route = 'chat' and hour >= $1 and hour < $2 group by 1", from, to);
        var rows = await session.RowsAsync("#costs");
        Assert.All(rows, r => Assert.Equal(tokens[r[0]], Number(r[TokensColumn])));
        var footer = Assert.Single(await session.RowsAsync("#costs", "tfoot"));
        var chat = await ScalarAsync("select sum(total) from truecost.cost_hourly where route = 'chat' and currency = 'USD' and hour >= $1 and hour < $2", from, to);
        Assert.Equal(("Total", chat), (footer[0], Number(footer[TotalColumn])));
        Assert.Equal(chat, Number((await session.Page.Locator("#explorer-total").TextContentAsync())!));
    }

    [SkippableFact]
    public async Task A_route_among_the_overviews_movers_drills_down_into_the_explorer_grouped_by_model()
    {
        await using var session = await browser.SignedInAsync(ApiUnderTest.AdminKey);
        await session.GoAsync("/ui/");
        var (from, to) = await RangeAsync(session.Page);
        var link = session.Page.Locator("#movers-route tbody tr th a").First;
        var route = (await link.TextContentAsync())!;

        await link.ClickAsync();
        await session.Page.WaitForURLAsync("**/ui/explorer?**");

        var query = Query(session.Page.Url);
        Assert.Equal(("model", route), (query["group_by"], query["route"]));
        await Expect(session.Page.Locator("#f-route")).ToHaveValueAsync(route);
        await Expect(session.Page.Locator("#group_by")).ToHaveValueAsync("model");
        Assert.Equal((from, to), await RangeAsync(session.Page));
        await AssertGroupsAsync(session, "model", from, to, route);
    }

    [SkippableFact]
    public async Task Downloaded_csv_has_the_rows_of_the_table_and_the_same_money_as_the_api_csv()
    {
        await using var session = await browser.SignedInAsync(ApiUnderTest.AdminKey);
        await session.GoAsync("/ui/explorer?group_by=tenant&traffic_class=batch");

        var download = await session.Page.RunAndWaitForDownloadAsync(() => session.Page.Locator("#csv").ClickAsync());
        var csv = await File.ReadAllBytesAsync((await download.PathAsync())!);
        var apiHref = (await session.Page.Locator("#api-csv").GetAttributeAsync("href"))!;
        var (api, _) = await browser.Api.GetBytesAsync(apiHref);
        var table = await session.RowsAsync("#costs");

        Assert.StartsWith("costs_by_tenant_", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.StartsWith(
            "tenant,currency,direct_inference,platform_overhead,observability,engineering,incident,idle,total,unpriced_requests,unpriced_tokens,requests,tokens,cost_per_1m_tokens\r\n",
            System.Text.Encoding.UTF8.GetString(csv), StringComparison.Ordinal);
        Assert.Contains("traffic_class=batch", apiHref, StringComparison.Ordinal);
        var downloaded = CostExportTests.CsvGroups(csv, ["tenant"]);
        var fromApi = CostExportTests.CsvGroups(api, ["tenant"]);
        Assert.Equal(["acme", "globex"], downloaded.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(table.Select(r => r[0]), downloaded.Keys);
        Assert.All(table, row =>
        {
            Assert.Equal(fromApi[row[0]], downloaded[row[0]]);
            Assert.Equal(downloaded[row[0]], row[1..(TotalColumn + 1)].Select(Number).ToArray());
        });
    }

    [SkippableFact]
    public async Task A_tenant_key_sees_its_own_tenant_only_on_every_page_view_and_csv_and_is_refused_the_pages_that_span_tenants()
    {
        await using var session = await browser.SignInAsync(ApiUnderTest.AcmeKey);
        var others = ExplorerLedger.Tenants.Where(t => t != "acme").ToArray();
        var nav = await session.Page.Locator("nav[aria-label=Pages] a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        Assert.Equal(["/ui/", "/ui/explorer", "/ui/governance"], nav);

        var views = nav.Concat(["/ui/explorer?tenant=globex", "/ui/explorer?group_by=tenant&tenant=initech"]).Concat(Dimensions.Select(d => $"/ui/explorer?group_by={d}"));
        foreach (var path in views)
        {
            await session.GoAsync(path);
            AssertNamesNone(others, await session.Page.ContentAsync(), path);
        }

        await Expect(session.Page.Locator("#f-tenant")).ToHaveCountAsync(0);
        foreach (var path in new[] { "/ui/pools", "/ui/findings", "/ui/incidents" })
        {
            await session.GoAsync(path, 403);
            await Expect(session.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("scoped to tenant acme");
            AssertNamesNone(others, await session.Page.ContentAsync(), path);
        }

        await session.GoAsync("/ui/explorer?tenant=globex");
        var (from, to) = await RangeAsync(session.Page);
        var acme = await ScalarAsync("select sum(total) from truecost.cost_hourly where tenant = 'acme' and currency = 'USD' and hour >= $1 and hour < $2", from, to);
        Assert.Equal(acme, Number((await session.Page.Locator("#explorer-total").TextContentAsync())!));
        var range = $"from={Iso(from)}&to={Iso(to)}";
        foreach (var path in Dimensions.Select(d => $"/ui/explorer.csv?group_by={d}&tenant=globex&{range}").Append($"/v1/costs.csv?group_by=tenant&{range}"))
        {
            var response = await session.Context.APIRequest.GetAsync(path);
            Assert.Equal(200, response.Status);
            var body = await response.TextAsync();
            AssertNamesNone(others, body, path);
            Assert.True(body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 1, $"{path} has no rows: {body}");
        }
    }

    [SkippableFact]
    public async Task Copy_button_puts_the_incidents_postmortem_block_on_the_clipboard()
    {
        await using var session = await browser.SignedInAsync(ApiUnderTest.AdminKey, "clipboard-read", "clipboard-write");
        await session.GoAsync("/ui/incidents");
        await Expect(session.Page.Locator("#incidents tbody tr")).ToHaveCountAsync(1);
        await Expect(session.Page.Locator("#incidents tbody th")).ToContainTextAsync(ExplorerLedger.IncidentId);

        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Copy the postmortem block" }).ClickAsync();

        await Expect(session.Page.Locator("#copied-0")).ToHaveTextAsync("Copied to the clipboard.");
        var clipboard = await session.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        Assert.Equal(await session.Page.Locator("#postmortem-0").TextContentAsync(), clipboard);
        Assert.StartsWith($"### Incident cost — {ExplorerLedger.IncidentId} (sev2, ", clipboard, StringComparison.Ordinal);
        Assert.Contains("| **Total** |", clipboard, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Budgets_and_anomalies_page_shows_each_budget_with_its_actual_the_injected_spike_and_a_forecast_per_bucket()
    {
        await using var session = await browser.SignedInAsync(ApiUnderTest.AdminKey);
        await session.GoAsync("/ui/governance");

        var budgets = await session.RowsAsync("#budgets");
        Assert.Equal(ExplorerLedger.Tenants.Select(t => $"{t}-monthly"), budgets.Select(r => r[0]));
        var (start, end) = new BudgetDefinition { Name = "month", Amount = 1 }.PeriodContaining(ExplorerLedger.End);
        var acme = await ScalarAsync("select coalesce(sum(total), 0) from truecost.cost_hourly where tenant = 'acme' and hour >= $1 and hour < $2", start, end);
        Assert.Equal(acme, Number(budgets[0][4]));
        var spike = new SpikedHistory(ExplorerLedger.End).SpikeStart;
        DateTimeOffset Hour(string text) => DateTimeOffset.ParseExact(text, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.Contains(await session.RowsAsync("#anomalies"), r => r[0] == "route chat" && r[1] == "total" && Hour(r[3]) <= spike && Hour(r[4]) >= spike.AddHours(3));
        var buckets = (await session.RowsAsync("#forecast")).Select(r => r[0]).ToList();
        Assert.Contains("total", buckets);
        Assert.Contains("direct_inference", buckets);
        Assert.Equal(buckets.Count, buckets.Distinct().Count());
    }

    [SkippableFact]
    public async Task Every_page_has_one_h1_a_main_landmark_labelled_controls_a_skip_link_and_no_serious_axe_violation()
    {
        await using var session = await browser.OpenAsync();
        await session.GoAsync("/ui/sign-in");
        await AssertLandmarksAndLabelsAsync(session.Page, "/ui/sign-in");
        await session.Page.Keyboard.PressAsync("Tab");
        await Expect(session.Page.Locator(":focus")).ToHaveTextAsync("Skip to content");
        await session.Page.GetByLabel("API key").FillAsync(ApiUnderTest.AdminKey);
        await session.Page.Keyboard.PressAsync("Enter");
        await session.Page.WaitForURLAsync("**/ui/");

        foreach (var (name, path) in Pages)
        {
            await session.GoAsync(path);
            await AssertLandmarksAndLabelsAsync(session.Page, path);
            await Expect(session.Page.Locator("h1")).ToHaveTextAsync((await session.Page.Locator("nav a[aria-current=page]").TextContentAsync())!);
            if (name is "overview" or "explorer")
            {
                await session.ChartsRenderedAsync();
                var axe = await session.Page.RunAxe(new AxeRunOptions { ResultTypes = [ResultType.Violations] });
                var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}").ToList();
                Assert.True(serious.Count == 0, $"{path}:\n{string.Join('\n', serious)}");
            }
        }
    }

    [SkippableFact]
    public async Task Every_page_is_captured_as_a_full_page_screenshot()
    {
        var folder = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "explorer-screenshots")).FullName;
        await using (var signedOut = await browser.OpenAsync())
        {
            await signedOut.GoAsync("/ui/sign-in");
            await signedOut.Page.ScreenshotAsync(new() { Path = Path.Combine(folder, "sign-in.png"), FullPage = true });
        }

        await using var session = await browser.SignedInAsync(ApiUnderTest.AdminKey);
        foreach (var (name, path) in Pages)
        {
            await session.GoAsync(path);
            await session.ChartsRenderedAsync();
            await session.Page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}.png"), FullPage = true });
        }

        Assert.All(Pages.Select(p => p.Name).Append("sign-in"), name =>
        {
            var file = new FileInfo(Path.Combine(folder, $"{name}.png"));
            Assert.True(file.Exists && file.Length > 10_000, $"{file.FullName}: {(file.Exists ? file.Length : 0)} bytes");
        });
    }

    /// <summary>The table's groups, in its order, are those of cost_hourly over the range with the same total.</summary>
    private async Task AssertGroupsAsync(BrowserSession session, string dimension, DateTimeOffset from, DateTimeOffset to, string? route)
    {
        var expected = await GroupedAsync(
            $"select {dimension}, sum(total) from truecost.cost_hourly where currency = 'USD' and hour >= $1 and hour < $2 and ($3::text is null or route = $3) group by 1",
            from, to, route is null ? DBNull.Value : route);
        var rows = await session.RowsAsync("#costs");
        Assert.Equal(expected.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key), rows.Select(r => r[0]));
        Assert.All(rows, r => Assert.Equal(expected[r[0]], Number(r[TotalColumn])));
    }

    private static async Task AssertLandmarksAndLabelsAsync(IPage page, string path)
    {
        Assert.Equal((1, 1), (await page.Locator("h1").CountAsync(), await page.Locator("main, [role=main]").CountAsync()));
        var unlabelled = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('input, select, textarea')].filter(e => e.type !== 'hidden' && e.labels.length === 0).map(e => e.outerHTML)");
        Assert.True(unlabelled.Length == 0, $"{path}: controls without a label: {string.Join(", ", unlabelled)}");
    }

    private static void AssertNamesNone(string[] names, string text, string where)
    {
        foreach (var name in names)
        {
            Assert.False(text.Contains(name, StringComparison.OrdinalIgnoreCase), $"{where} names {name}");
        }
    }

    /// <summary>Submits the view form and waits for the view it asked for.</summary>
    private static async Task ShowAsync(IPage page)
    {
        var request = await page.RunAndWaitForRequestAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync(), r => r.IsNavigationRequest && r.Method == "GET");
        await page.WaitForURLAsync(request.Url);
    }

    /// <summary>The view's range as its form shows it.</summary>
    private static async Task<(DateTimeOffset From, DateTimeOffset To)> RangeAsync(IPage page)
    {
        string[] formats = ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm'Z'"];
        DateTimeOffset Parse(string value) => DateTimeOffset.ParseExact(value, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        return (Parse(await page.Locator("#from").InputValueAsync()), Parse(await page.Locator("#to").InputValueAsync()));
    }

    private static Dictionary<string, string> Query(string url) =>
        new Uri(url).Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p[1].Replace('+', ' ')), StringComparer.Ordinal);

    private static decimal Number(string text) => decimal.Parse(text.Split(' ')[0], NumberStyles.Number, CultureInfo.InvariantCulture);

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private async Task<decimal> ScalarAsync(string sql, params object[] values)
    {
        await using var cmd = Command(sql, values);
        return (decimal)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<Dictionary<string, decimal>> GroupedAsync(string sql, params object[] values)
    {
        await using var cmd = Command(sql, values);
        await using var reader = await cmd.ExecuteReaderAsync();
        var groups = new Dictionary<string, decimal>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            groups.Add(reader.GetString(0), reader.GetDecimal(1));
        }

        return groups;
    }

    private NpgsqlCommand Command(string sql, object[] values)
    {
        var cmd = browser.Api.Db.CreateCommand(sql);
        foreach (var value in values)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return cmd;
    }
}
