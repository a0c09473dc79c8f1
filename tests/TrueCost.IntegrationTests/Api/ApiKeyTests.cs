using TrueCost.Api;
using TrueCost.IntegrationTests.Infrastructure;

namespace TrueCost.IntegrationTests.Api;

[Collection("infrastructure")]
public sealed class ApiKeyTests(InfrastructureFixture infra)
{
    private static readonly string[] Protected =
    [
        $"/v1/costs?{KnownCosts.Range}",
        $"/v1/costs.csv?{KnownCosts.Range}",
        $"/v1/costs.parquet?{KnownCosts.Range}",
        $"/v1/pools?{KnownCosts.Range}",
        "/v1/incidents",
    ];

    [Fact]
    public async Task Requests_without_a_key_or_with_an_unknown_key_get_a_401_problem()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);

        foreach (var path in Protected)
        {
            var (missing, missingProblem) = await api.GetProblemAsync(path, key: null);
            var (unknown, unknownProblem) = await api.GetProblemAsync(path, key: "tc_test_admin_4f0c2b");

            Assert.Equal((401, 401), (missing, unknown));
            Assert.Contains("X-Api-Key", missingProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains("does not match any configured key", unknownProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using var client = api.Client(key: null);
        using var response = await client.GetAsync(new Uri(Protected[0], UriKind.Relative));
        Assert.Equal("ApiKey header=\"X-Api-Key\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_tenant_scoped_key_sees_only_its_tenants_rows_in_json_and_csv()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        var acme = KnownCosts.InRange.Where(r => r.Tenant == "acme").ToList();

        var byTenant = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}&group_by=tenant", ApiUnderTest.AcmeKey);
        var byRoute = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}&group_by=route", ApiUnderTest.AcmeKey);
        var askingForItself = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}&group_by=route&tenant=acme", ApiUnderTest.AcmeKey);
        var (csv, _) = await api.GetBytesAsync($"/v1/costs.csv?{KnownCosts.Range}&group_by=hour,route,tenant", ApiUnderTest.AcmeKey);

        Assert.Equal(["acme"], byTenant.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("tenant").GetString()));
        Assert.Equal(KnownCosts.Totals(acme), CostJson.Amounts(byTenant.GetProperty("totals")));
        var routes = CostJson.Groups(byRoute, ["route"]);
        Assert.Equal(["chat", "search, v2"], routes.Keys.Order(StringComparer.Ordinal));
        Assert.All(KnownCosts.Grouped(acme, ["route"]), e => Assert.Equal(e.Value, routes[e.Key]));
        Assert.Equal(KnownCosts.Totals(acme), CostJson.Amounts(byRoute.GetProperty("totals")));
        Assert.Equal(byRoute.GetProperty("rows").GetRawText(), askingForItself.GetProperty("rows").GetRawText());
        var exported = CostExportTests.CsvGroups(csv, ["hour", "route", "tenant"]);
        var expected = KnownCosts.Grouped(acme, ["hour", "route", "tenant"]);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), exported.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected, e => Assert.Equal(e.Value, exported[e.Key]));
    }

    [Fact]
    public async Task A_tenant_scoped_key_is_forbidden_other_tenants_shared_rows_and_cross_tenant_resources()
    {
        await using var api = await ApiUnderTest.StartAsync(infra);
        string[] forbidden =
        [
            $"/v1/costs?{KnownCosts.Range}&tenant=globex",
            $"/v1/costs.csv?{KnownCosts.Range}&tenant=globex",
            $"/v1/costs.parquet?{KnownCosts.Range}&tenant=globex",
            $"/v1/costs?{KnownCosts.Range}&tenant=(all)",
            $"/v1/costs?{KnownCosts.Range}&tenant=(idle)",
            $"/v1/pools?{KnownCosts.Range}",
            "/v1/incidents",
        ];

        foreach (var path in forbidden)
        {
            var (status, problem) = await api.GetProblemAsync(path, ApiUnderTest.AcmeKey);

            Assert.True(status == 403, $"{path}: {status}");
            Assert.Contains("scoped to tenant 'acme'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        var unscoped = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}&tenant=globex&group_by=tenant");
        Assert.Equal(["globex"], unscoped.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("tenant").GetString()));
    }

    [Fact]
    public void Options_hold_only_key_hashes_and_reject_what_would_not_work()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKey.HashOf("abc"));
        var hash = ApiKey.HashOf("k1");
        (ApiOptions Options, string Message)[] cases =
        [
            (new ApiOptions(), "Api:Keys is empty"),
            (new ApiOptions { Keys = [new ApiKey { Name = "", KeyHash = hash }] }, "Api:Keys:0:Name is empty"),
            (new ApiOptions { Keys = [new ApiKey { Name = "a", KeyHash = "k1" }] }, "Api:Keys:0:KeyHash of key 'a' is not 64 hex digits"),
            (new ApiOptions { Keys = [new ApiKey { Name = "a", KeyHash = hash, Tenant = "(all)" }] }, "Tenant '(all)' of key 'a' is not a tenant"),
            (new ApiOptions { Keys = [new ApiKey { Name = "a", KeyHash = hash }, new ApiKey { Name = "a", KeyHash = ApiKey.HashOf("k2") }] }, "names 'a' more than once"),
            (new ApiOptions { Keys = [new ApiKey { Name = "a", KeyHash = hash }, new ApiKey { Name = "b", KeyHash = hash.ToUpperInvariant() }] }, "'a', 'b' share one KeyHash"),
        ];

        foreach (var (options, message) in cases)
        {
            var error = Assert.Throws<InvalidOperationException>(options.Validate);
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
        }

        new ApiOptions { Keys = [new ApiKey { Name = "a", KeyHash = hash, Tenant = "acme" }] }.Validate();
    }
}
