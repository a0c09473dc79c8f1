using System.Diagnostics;
using System.Text;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>Runs a system tool (rabbitmqctl, chromium) to completion with a deadline and captures its output.</summary>
public static class ExternalProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Describe(string what) => $"{what} exited {ExitCode}: {Stderr.Trim()} {Stdout.Trim()}".Trim();
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readOut = PumpAsync(process.StandardOutput, stdout);
        var readErr = PumpAsync(process.StandardError, stderr);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList)} did not finish within {timeout.TotalSeconds:0} s");
        }

        await Task.WhenAll(readOut, readErr);
        return new Result(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Starts a daemon through the shell with its output sent to <paramref name="log"/>, so the daemon holds
    /// none of the test run's pipes open after the run ends.
    /// </summary>
    public static Task<Result> StartDetachedAsync(string commandLine, string log, TimeSpan timeout) =>
        RunAsync("/bin/sh", ["-c", $"{commandLine} </dev/null >>'{log}' 2>&1"], timeout);

    private static async Task PumpAsync(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            into.Append(buffer, 0, read);
        }
    }
}
