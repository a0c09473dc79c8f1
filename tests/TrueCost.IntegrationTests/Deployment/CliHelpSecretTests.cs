using TrueCost.IntegrationTests.Reliability;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>
/// <c>--help</c> names the environment variables behind <c>--postgres</c>, <c>--kafka</c> and <c>--rabbitmq</c> but never
/// prints their values: a connection string or an AMQP address holds a password, and help output ends up in terminals
/// and CI logs. The commands still read the variables when the option is not given.
/// </summary>
public sealed class CliHelpSecretTests
{
    private const string Password = "pw-that-must-not-show";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    private static readonly Dictionary<string, string> Environment = new(StringComparer.Ordinal)
    {
        ["TRUECOST_POSTGRES"] = $"Host=127.0.0.1;Port=1;Username=truecost;Password={Password};Database=truecost",
        ["TRUECOST_KAFKA"] = "127.0.0.1:1",
        ["TRUECOST_RABBITMQ"] = $"amqp://truecost:{Password}@127.0.0.1:1/",
    };

    [Theory]
    [InlineData("forecast")]
    [InlineData("import", "focus")]
    [InlineData("report-worker")]
    public async Task Help_does_not_print_the_connection_strings_of_the_environment(params string[] command)
    {
        using var process = WorkerProcess.Start(command[0], [.. command[1..], "--help"], Environment);
        var exit = await process.WaitForExitAsync(Patience);
        var output = process.OutputTail();

        Assert.True(exit == 0, output);
        Assert.Contains("$TRUECOST_", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_postgres_a_command_still_connects_to_the_database_of_the_environment()
    {
        using var process = WorkerProcess.Start("forecast", [], Environment);
        var exit = await process.WaitForExitAsync(Patience);
        var output = process.OutputTail();

        Assert.True(exit != 0, output);
        Assert.Contains("cannot connect to PostgreSQL at 127.0.0.1:1", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--postgres is required", output, StringComparison.Ordinal);
    }
}
