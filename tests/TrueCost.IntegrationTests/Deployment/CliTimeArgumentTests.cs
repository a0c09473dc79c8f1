using TrueCost.IntegrationTests.Reliability;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>
/// The range of <c>truecost anomalies</c> and <c>commitments</c> is a UTC day or the start of a UTC hour, as the API's;
/// anything else is named in a one-line error (exit 2) before any connection is tried, never a .NET type name or a
/// silently rounded hour.
/// </summary>
public sealed class CliTimeArgumentTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    private static readonly Dictionary<string, string> Environment = new(StringComparer.Ordinal)
    {
        ["TRUECOST_POSTGRES"] = "Host=127.0.0.1;Port=1;Username=truecost;Database=truecost",
    };

    [Theory]
    [InlineData("anomalies", "--from", "garbage", "--from 'garbage' is not a date or an RFC 3339 time (UTC)")]
    [InlineData("anomalies", "--to", "2026-11-10T00:30:00Z", "--to '2026-11-10T00:30:00Z' is not the start of a UTC hour: costs are kept per whole hour, e.g. 2026-11-10T00:00Z")]
    [InlineData("commitments", "--from", "2026-13-01", "--from '2026-13-01' is not a date or an RFC 3339 time (UTC)")]
    public async Task A_range_end_that_is_not_a_utc_day_or_hour_is_named(string command, string option, string value, string message)
    {
        using var process = WorkerProcess.Start(command, [option, value], Environment);
        var exit = await process.WaitForExitAsync(Patience);
        var output = process.OutputTail();

        Assert.True(exit == 2, output);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_utc_day_is_read_as_its_midnight_and_the_command_goes_on_to_connect()
    {
        using var process = WorkerProcess.Start("anomalies", ["--from", "2026-11-10", "--to", "2026-11-11"], Environment);
        var exit = await process.WaitForExitAsync(Patience);
        var output = process.OutputTail();

        Assert.True(exit != 0, output);
        Assert.Contains("cannot connect to PostgreSQL at 127.0.0.1:1", output, StringComparison.Ordinal);
    }
}
