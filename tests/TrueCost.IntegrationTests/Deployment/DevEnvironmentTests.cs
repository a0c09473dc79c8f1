using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;
using TrueCost.IntegrationTests.Reliability;

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
        using var dev = WorkerProcess.Start("dev", ["--infra-only", "--kafka-port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)], environment);
        try
        {
            var deadline = DateTimeOffset.UtcNow + Patience;
            while (!dev.OutputTail().Contains("export TRUECOST_PG_URL=", StringComparison.Ordinal))
            {
                Assert.False(dev.HasExited, dev.OutputTail());
                Assert.True(DateTimeOffset.UtcNow < deadline, $"dev did not come up within {Patience}:\n{dev.OutputTail()}");
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }

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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("export TRUECOST_POSTGRES=\"(?<value>[^\"]+)\"")]
    private static partial Regex PostgresExport();

    [GeneratedRegex("export TRUECOST_KAFKA=(?<value>\\S+)")]
    private static partial Regex KafkaExport();
}
