using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace TrueCost.IntegrationTests.Reliability;

/// <summary>
/// A deployable worker (<c>truecost ingest</c>, <c>truecost projector</c>) run as an OS process of its own from the CLI
/// build of this test run's configuration, so it can be killed the way a node dies.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private const int KeptOutputLines = 200;

    /// <summary>The exit status a process killed by SIGKILL reports (128 + signal 9).</summary>
    public const int KilledBySigkill = 137;

    private static readonly Lazy<string> CliDll = new(LocateCli);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _watched = new(StringComparer.Ordinal);

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The truecost CLI built in this test run's configuration, for other commands run as processes.</summary>
    public static string CliDllPath => CliDll.Value;

    /// <summary>The OS process id, to tell which replica holds a lock.</summary>
    public int Pid => _process.Id;

    public static WorkerProcess Start(IEnumerable<string> ingestArguments) => Start("ingest", ingestArguments);

    /// <summary>Runs <c>truecost <paramref name="command"/></c> (such as <c>projector</c>) with <paramref name="environment"/> added to this process's.</summary>
    public static WorkerProcess Start(string command, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (IEnumerable<string>)[CliDll.Value, command, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName} {CliDll.Value}");
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL on Linux: no shutdown hook runs, the consumer never leaves its group, the open transaction is cut off.</summary>
    public async Task<int> KillAsync()
    {
        _process.Kill();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(patience.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits for a command that ends by itself (such as <c>verify</c>) and returns its exit status.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>The last lines the worker wrote, for a failure message.</summary>
    public string OutputTail() => string.Join(Environment.NewLine, _output);

    /// <summary>From now on, keeps the lines that contain <paramref name="text"/>, however far they scroll out of <see cref="OutputTail"/>.</summary>
    public void Watch(string text) => _watched.TryAdd(text, new ConcurrentQueue<string>());

    /// <summary>The lines written since <see cref="Watch"/> that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LinesWith(string text) =>
        _watched.TryGetValue(text, out var lines) ? [.. lines] : throw new InvalidOperationException($"'{text}' is not watched");

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        foreach (var (_, lines) in _watched.Where(w => line.Contains(w.Key, StringComparison.Ordinal)))
        {
            lines.Enqueue(line);
        }

        _output.Enqueue(line);
        while (_output.Count > KeptOutputLines)
        {
            _output.TryDequeue(out _);
        }
    }

    /// <summary>The csproj records the CLI's output path for this configuration; its ProjectReference builds it first.</summary>
    private static string LocateCli()
    {
        var path = typeof(WorkerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "TrueCostCliDll")?.Value
            ?? throw new InvalidOperationException("the test assembly does not record where the truecost CLI is built (AssemblyMetadata TrueCostCliDll)");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"the truecost CLI is not built at {path}; build src/TrueCost.Cli in the same configuration as the tests");
    }

    /// <summary>The dotnet host running these tests, so the worker runs on the same runtime.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
