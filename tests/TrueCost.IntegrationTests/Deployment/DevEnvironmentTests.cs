using System.Net;
using System.Text.RegularExpressions;
using Npgsql;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.IntegrationTests.Reliability;
using TrueCost.IntegrationTests.Reporting;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>
/// <c>truecost dev</c> prints <c>export TRUECOST_POSTGRES=…</c> and <c>TRUECOST_KAFKA=…</c> for other shells; a second
/// <c>dev</c> started in a shell holding them (the first one long stopped) still starts PostgreSQL and a broker of its
/// own instead of failing on, or writing into, the servers those variables name.
/// </summary>
public sealed partial class DevEnvironmentTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Dev_starts_its_own_servers_whatever_an_earlier_session_exported()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["TRUECOST_POSTGRES"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=postgres",
            ["TRUECOST_KAFKA"] = "127.0.0.1:1",
        };
        using var dev = WorkerProcess.Start("dev", ["--infra-only", "--kafka-port", WebhookReceiver.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)], environment);
        try
        {
            await UpAsync(dev, "export TRUECOST_PG_URL=");

            var output = dev.OutputTail();
            var postgres = PostgresExport().Match(output).Groups["value"].Value;
            var kafka = KafkaExport().Match(output).Groups["value"].Value;
            Assert.NotEqual(1, new NpgsqlConnectionStringBuilder(postgres).Port);
            Assert.NotEqual("127.0.0.1:1", kafka);
            await using var connection = new NpgsqlConnection(postgres);
            await connection.OpenAsync();
            await using var query = new NpgsqlCommand("select 1", connection);
            Assert.Equal(1, await query.ExecuteScalarAsync());
        }
        finally
        {
            await dev.KillAsync();
        }
    }

    /// <summary>The keys of <c>Api:Keys</c> in the configuration file answer beside the key dev prints, tenant keys with their tenant.</summary>
    [Fact]
    public async Task Dev_serves_the_configured_keys_beside_its_own()
    {
        const string tenantKey = "key-of-acme-for-the-dev-test";
        var config = Path.Combine(Path.GetTempPath(), $"truecost-dev-keys-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Api": { "Keys": [ { "Name": "acme", "Tenant": "acme", "KeyHash": "{{TrueCost.Api.ApiKey.HashOf(tenantKey)}}" } ] } }
            """);
        var api = WebhookReceiver.FreePort();
        var arguments = new[] { ("--kafka-port", WebhookReceiver.FreePort()), ("--api-port", api), ("--otlp-port", WebhookReceiver.FreePort()), ("--ops-port", WebhookReceiver.FreePort()) }
            .SelectMany(a => new[] { a.Item1, a.Item2.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        using var dev = WorkerProcess.Start("dev", arguments, new Dictionary<string, string>(StringComparer.Ordinal) { ["TRUECOST_CONFIG"] = config });
        try
        {
            await UpAsync(dev, "cost explorer:");
            Assert.Contains("api keys: dev-session (above) and the 1 of Api:Keys in", dev.OutputTail(), StringComparison.Ordinal);
            var devKey = DevKeyExport().Match(dev.OutputTail()).Groups["value"].Value;
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{api}") };
            foreach (var (key, expected) in new[] { (tenantKey, HttpStatusCode.OK), (devKey, HttpStatusCode.OK), ("not-a-key", HttpStatusCode.Unauthorized) })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/budgets") { Headers = { { "X-Api-Key", key } } };
                using var response = await http.SendAsync(request);
                Assert.Equal(expected, response.StatusCode);
            }
        }
        finally
        {
            await dev.KillAsync();
            File.Delete(config);
        }
    }

    private static Task UpAsync(WorkerProcess dev, string marker) => Eventually.TrueAsync(
        () =>
        {
            Assert.False(dev.HasExited, dev.OutputTail());
            return dev.OutputTail().Contains(marker, StringComparison.Ordinal);
        },
        Patience,
        () => $"dev did not come up within {Patience}:\n{dev.OutputTail()}");

    [GeneratedRegex("export TRUECOST_POSTGRES=\"(?<value>[^\"]+)\"")]
    private static partial Regex PostgresExport();

    [GeneratedRegex("TRUECOST_API_KEY=(?<value>\\S+)")]
    private static partial Regex DevKeyExport();

    [GeneratedRegex("export TRUECOST_KAFKA=(?<value>\\S+)")]
    private static partial Regex KafkaExport();
}
