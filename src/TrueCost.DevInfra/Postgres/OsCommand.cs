using System.Diagnostics;
using System.Text;

namespace TrueCost.DevInfra;

/// <summary>The outcome of one finished OS command: its exit code and its interleaved stdout and stderr.</summary>
internal sealed record OsCommandResult(string CommandLine, int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>Runs PostgreSQL's command-line tools, optionally as another OS user.</summary>
internal static class OsCommand
{
    public static async Task<OsCommandResult> RunAsync(string executable, IEnumerable<string> arguments, string? asUser, string workingDirectory, CancellationToken ct)
    {
        var start = new ProcessStartInfo
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        if (asUser is null)
        {
            start.FileName = executable;
        }
        else
        {
            // runuser keeps the environment and needs no password or tty, unlike su.
            start.FileName = "runuser";
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add(asUser);
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(executable);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var commandLine = string.Join(' ', start.ArgumentList.Prepend(start.FileName));
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        lock (output)
        {
            return new OsCommandResult(commandLine, process.ExitCode, output.ToString().TrimEnd());
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
