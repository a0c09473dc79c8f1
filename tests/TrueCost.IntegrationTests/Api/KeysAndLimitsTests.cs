using System.Text.Json;
using Microsoft.Extensions.Configuration;
using TrueCost.Api;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Reliability;

namespace TrueCost.IntegrationTests.Api;

/// <summary>
/// <c>truecost keys</c> run as a process on a configuration file; the API bound from that file, as <c>truecost api</c>
/// binds it, accepts the printed key with its tenant scope; and each key's rate limit answers 429 with Retry-After.
/// </summary>
[Collection("infrastructure")]
public sealed class KeysAndLimitsTests(InfrastructureFixture infra) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("truecost-keys-");

    private string ConfigFile => Path.Combine(_dir.FullName, "truecost.json");

    [Fact]
    public async Task A_created_key_is_printed_once_stored_as_its_hash_and_accepted_by_the_api_with_its_tenant_scope()
    {
        await File.WriteAllTextAsync(ConfigFile, """{ "Ledger": { "Currency": "USD" } }""");

        var (created, createdOutput) = await KeysAsync("create", "--name", "acme-portal", "--tenant", "acme");
        var key = Assert.Single(createdOutput.Split('\n').Select(l => l.Trim()), l => l.StartsWith("tc_", StringComparison.Ordinal));
        var (again, againOutput) = await KeysAsync("create", "--name", "acme-portal");
        var (_, listed) = await KeysAsync("list");

        Assert.Equal(0, created);
        Assert.Equal(2, again);
        Assert.Contains("'acme-portal' more than once", againOutput, StringComparison.Ordinal);
        var file = await File.ReadAllTextAsync(ConfigFile);
        Assert.DoesNotContain(key, file, StringComparison.Ordinal);
        Assert.DoesNotContain(key, listed, StringComparison.Ordinal);
        Assert.Contains(ApiKey.HashOf(key), file, StringComparison.Ordinal);
        Assert.Equal("USD", JsonDocument.Parse(file).RootElement.GetProperty("Ledger").GetProperty("Currency").GetString());

        await using var api = await ApiUnderTest.StartAsync(infra, BoundFromFile());
        var byTenant = await api.GetJsonAsync($"/v1/costs?{KnownCosts.Range}&group_by=tenant", key);
        Assert.Equal(["acme"], byTenant.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("tenant").GetString()));
        var (status, _) = await api.GetProblemAsync("/v1/pools?" + KnownCosts.Range, key);
        Assert.Equal(403, status);

        var (removed, _) = await KeysAsync("remove", "--name", "acme-portal");
        Assert.Equal(0, removed);
        Assert.DoesNotContain(ApiKey.HashOf(key), await File.ReadAllTextAsync(ConfigFile), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_over_its_rate_limit_gets_429_with_retry_after_and_another_key_is_unaffected()
    {
        var options = new ApiOptions
        {
            Keys =
            [
                new ApiKey { Name = "finops", KeyHash = ApiKey.HashOf(ApiUnderTest.AdminKey) },
                new ApiKey { Name = "acme-portal", KeyHash = ApiKey.HashOf(ApiUnderTest.AcmeKey), Tenant = "acme" },
            ],
            RateLimit = new ApiRateLimit { PermitsPerMinute = 3 },
        };
        await using var api = await ApiUnderTest.StartAsync(infra, options);
        var path = $"/v1/costs?{KnownCosts.Range}&group_by=tenant";

        for (var i = 0; i < 3; i++)
        {
            await api.GetJsonAsync(path);
        }

        using var client = api.Client();
        using var over = await client.GetAsync(new Uri(path, UriKind.Relative));
        var problem = JsonDocument.Parse(await over.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(429, (int)over.StatusCode);
        Assert.InRange(int.Parse(over.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Contains("3 requests a minute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await api.GetJsonAsync(path, ApiUnderTest.AcmeKey);
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private ApiOptions BoundFromFile() => ApiOptions.Bind(new ConfigurationBuilder().AddJsonFile(ConfigFile).Build());

    private async Task<(int Exit, string Output)> KeysAsync(params string[] arguments)
    {
        using var process = WorkerProcess.Start("keys", [.. arguments, "--config", ConfigFile]);
        var exit = await process.WaitForExitAsync(Patience);
        return (exit, process.OutputTail());
    }
}
