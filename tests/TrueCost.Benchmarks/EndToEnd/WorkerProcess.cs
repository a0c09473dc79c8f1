using System.Diagnostics;
using System.Reflection;
using TrueCost.DevInfra;

namespace TrueCost.Benchmarks.EndToEnd;

/// <summary>
/// Starts this program's <c>worker</c> command as a child process and follows the
/// <see cref="WorkerStats"/> it reports. Its other output (warnings, errors) goes to stderr.
/// </summary>
public sealed class WorkerProcess : IWorkerStats, IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private WorkerStats _latest = WorkerStats.None;
    private long _peakWorkingSet;

    private WorkerProcess(Process process, string name)
    {
        _process = process;
        _name = name;
    }

    public WorkerStats Latest => Volatile.Read(ref _latest);

    /// <summary>The highest working set seen in any report (sampled every 100 ms).</summary>
    public long PeakWorkingSet => Interlocked.Read(ref _peakWorkingSet);

    public event Action<WorkerStats>? Reported;

    public static WorkerProcess Start(string name, string postgres, string kafka, WorkerSettings settings)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? throw new BenchmarkException("cannot tell which executable runs the benchmark"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        }

        foreach (var argument in settings.Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        // Passed in the environment, not on the command line, so a password never shows in ps.
        start.Environment[PostgresServer.EnvironmentVariable] = postgres;
        start.Environment[KafkaCluster.EnvironmentVariable] = kafka;
        var process = Process.Start(start) ?? throw new BenchmarkException($"could not start the {name} worker process");
        var worker = new WorkerProcess(process, name);
        process.OutputDataReceived += (_, e) => worker.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Forward(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    public void ThrowIfExited(string what)
    {
        if (_process.HasExited)
        {
            throw new BenchmarkException($"the {_name} worker exited (code {_process.ExitCode}) before {what}; its output is above");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"the {_name} worker (pid {_process.Id}) did not stop within 45 s; killing it");
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (WorkerStats.TryParse(line) is not { } stats)
        {
            Forward(line);
            return;
        }

        Volatile.Write(ref _latest, stats);
        if (stats.WorkingSet > Interlocked.Read(ref _peakWorkingSet))
        {
            Interlocked.Exchange(ref _peakWorkingSet, stats.WorkingSet);
        }

        Reported?.Invoke(stats);
    }

    private void Forward(string? line)
    {
        if (line is not null)
        {
            Console.Error.WriteLine($"[{_name} worker] {line}");
        }
    }
}
