using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using TrueCost.Api;
using TrueCost.Api.Explorer;
using TrueCost.IntegrationTests.Infrastructure;

namespace TrueCost.IntegrationTests.Api;

/// <summary>
/// The explorer's sign-in over plain HTTP against two API hosts on one database, as two replicas behind a load
/// balancer: the session cookie's attributes, a session read by the other replica, a tenant key's limits, sign-out,
/// and the return path that cannot leave the explorer.
/// </summary>
[Collection("infrastructure")]
public sealed partial class ExplorerSessionTests(InfrastructureFixture infra)
{
    [Fact]
    public async Task A_session_signed_in_on_one_replica_is_honoured_by_another()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        await using var replica = ApiHost.Build(api.Postgres, api.Options, ["http://127.0.0.1:0"], api.Ledger);
        await replica.StartAsync();
        var (client, cookies) = Browser(api.Address);

        var signIn = await SignInAsync(client, ApiUnderTest.AdminKey, "/ui/explorer?group_by=tenant");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/ui/explorer?group_by=tenant", signIn.Headers.Location?.OriginalString);
        var setCookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(ExplorerSession.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(ApiUnderTest.AdminKey, setCookie, StringComparison.Ordinal);

        var session = cookies.GetCookies(api.Address)[ExplorerSession.CookieName]!;
        using var other = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(replica.Urls.Single()) };
        other.DefaultRequestHeaders.Add("Cookie", $"{session.Name}={session.Value}");
        using var page = await other.GetAsync(new Uri("/ui/explorer?group_by=tenant", UriKind.Relative));
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"the other replica answered {(int)page.StatusCode}: {html}");
        Assert.Contains("<h1>Explorer</h1>", html, StringComparison.Ordinal);
        Assert.Contains("globex", html, StringComparison.Ordinal);
        using var costs = await other.GetAsync(new Uri($"/v1/costs?{KnownCosts.Range}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, costs.StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_with_the_reason_and_no_session()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        var (client, cookies) = Browser(api.Address);

        using var refused = await SignInAsync(client, "not-a-key", "/ui/");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("does not match any configured API key", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(cookies.GetCookies(api.Address)[ExplorerSession.CookieName]);
        using var page = await client.GetAsync(new Uri("/ui/explorer?route=%2Fchat", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/ui/sign-in", page.Headers.Location?.AbsolutePath);
        Assert.Contains("return=%2Fui%2Fexplorer%3Froute%3D%252Fchat", page.Headers.Location?.Query, StringComparison.Ordinal);
        using var v1 = await client.GetAsync(new Uri($"/v1/costs?{KnownCosts.Range}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, v1.StatusCode);
    }

    [Fact]
    public async Task A_tenant_session_sees_its_tenant_only_and_no_page_that_spans_tenants()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        var (client, _) = Browser(api.Address);
        await SignInAsync(client, ApiUnderTest.AcmeKey, "/ui/");

        foreach (var path in new[] { "/ui/pools", "/ui/findings", "/ui/incidents" })
        {
            using var refused = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{path} answered a tenant key {(int)refused.StatusCode}");
        }

        using var pools = await client.GetAsync(new Uri($"/v1/pools?{KnownCosts.Range}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, pools.StatusCode);
        var range = $"from={KnownCosts.From:yyyy-MM-dd}&to={KnownCosts.To.AddDays(1):yyyy-MM-dd}";
        foreach (var path in new[] { $"/ui/?{range}", $"/ui/explorer?{range}&group_by=tenant&tenant=globex", $"/ui/explorer.csv?{range}&group_by=tenant", $"/ui/governance?{range}" })
        {
            using var page = await client.GetAsync(new Uri(path, UriKind.Relative));
            var body = await page.Content.ReadAsStringAsync();
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{path}: {(int)page.StatusCode} {body}");
            Assert.Contains("acme", body, StringComparison.Ordinal);
            Assert.DoesNotContain("globex", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Signing_out_ends_the_session_and_the_return_path_never_leaves_the_explorer()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        var (client, _) = Browser(api.Address);

        using var signIn = await SignInAsync(client, ApiUnderTest.AdminKey, "https://evil.example/ui/");
        Assert.Equal("/ui/", signIn.Headers.Location?.OriginalString);

        using var overview = await client.GetAsync(new Uri("/ui/", UriKind.Relative));
        var html = await overview.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        Assert.Contains("no-store", overview.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", overview.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        using var signOut = await client.PostAsync(new Uri("/ui/sign-out", UriKind.Relative), new FormUrlEncodedContent([new("csrf", Token(html))]));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        using var after = await client.GetAsync(new Uri("/ui/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
    }

    private static (HttpClient Client, CookieContainer Cookies) Browser(Uri address)
    {
        var cookies = new CookieContainer();
        return (new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = address }, cookies);
    }

    /// <summary>Loads the sign-in form (for its antiforgery token and cookie) and posts the key as a browser would.</summary>
    private static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string key, string returnTo)
    {
        var form = await client.GetStringAsync(new Uri("/ui/sign-in", UriKind.Relative));
        return await client.PostAsync(new Uri("/ui/sign-in", UriKind.Relative), new FormUrlEncodedContent(
            [new("key", key), new("return", returnTo), new("csrf", Token(form))]));
    }

    private static string Token(string html) => WebUtility.HtmlDecode(CsrfField().Match(html).Groups[1].Value);

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]*)\"")]
    private static partial Regex CsrfField();
}
