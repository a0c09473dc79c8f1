using System.Text.RegularExpressions;
using TrueCost.IntegrationTests.Reliability;
using TrueCost.IntegrationTests.Reporting;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>
/// The commands and options of a built <c>truecost</c>, read from its own <c>--help</c>: what a deployment file may
/// pass it. Reading the help of the real program (rather than the source) also catches an option that exists in
/// the code but is not added to the command.
/// </summary>
internal sealed partial class CliSurface
{
    /// <summary>The liveness endpoint every TrueCost process serves.</summary>
    public const string LivenessPath = "/healthz";

    /// <summary>The readiness endpoint every TrueCost process serves.</summary>
    public const string ReadinessPath = "/readyz";

    private const string OpsUrls = "--ops-urls";
    private const string Urls = "--urls";
    private static readonly TimeSpan HelpTimeout = TimeSpan.FromMinutes(1);
    private static readonly Lazy<CliSurface> BuiltForTests = new(() => Read(WorkerProcess.CliDllPath));

    private readonly string _dll;
    private readonly Dictionary<string, IReadOnlySet<string>> _options = new(StringComparer.Ordinal);

    private CliSurface(string dll, IReadOnlySet<string> commands)
    {
        _dll = dll;
        Commands = commands;
    }

    /// <summary>The commands a deployment runs as long-lived processes; compose services and Kubernetes Deployments are named after them.</summary>
    public static IReadOnlyList<string> Deployables { get; } = ["ingest", "projector", "api", "report-worker", "otlp-receiver"];

    /// <summary>The CLI built for this test run (the full build, with <c>demo</c> and <c>dev</c>).</summary>
    public static CliSurface Built => BuiltForTests.Value;

    public IReadOnlySet<string> Commands { get; }

    public static CliSurface Read(string dll)
    {
        var help = Help(dll, []);
        return new CliSurface(dll, Section(help, "Commands").Select(line => CommandName().Match(line)).Where(m => m.Success).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>Options of a top-level command, as its help lists them (long names, with the recursive <c>--config</c>).</summary>
    public IReadOnlySet<string> OptionsOf(string command)
    {
        lock (_options)
        {
            if (!_options.TryGetValue(command, out var options))
            {
                options = Section(Help(_dll, [command]), "Options")
                    .Select(line => OptionNames().Match(line))
                    .Where(m => m.Success)
                    .SelectMany(m => LongName().Matches(m.Groups["names"].Value).Select(n => n.Value))
                    .ToHashSet(StringComparer.Ordinal);
                _options[command] = options;
            }

            return options;
        }
    }

    /// <summary>Fails naming <paramref name="where"/> unless <paramref name="arguments"/> start with a command this CLI has and pass only its options.</summary>
    public void AssertRuns(string where, IReadOnlyList<string> arguments)
    {
        Assert.True(arguments.Count > 0, $"{where} passes truecost no command");
        var command = arguments[0];
        Assert.True(Commands.Contains(command), $"{where} runs `truecost {command}`, which the CLI does not have (it has: {string.Join(", ", Commands.Order(StringComparer.Ordinal))})");
        var options = OptionsOf(command);
        foreach (var option in arguments.Skip(1).Where(a => a.StartsWith("--", StringComparison.Ordinal)).Select(a => a.Split('=', 2)[0]))
        {
            Assert.True(options.Contains(option), $"{where} passes `truecost {command}` the option {option}, which it does not have (it has: {string.Join(", ", options.Order(StringComparer.Ordinal))})");
        }
    }

    /// <summary>
    /// Where the process <paramref name="arguments"/> start serves <see cref="LivenessPath"/>, <see cref="ReadinessPath"/>
    /// and /metrics: a worker whose command has <c>--ops-urls</c> on that ops listener (so it must be given one), the API
    /// and the OTLP receiver on their own <c>--urls</c>. Either way on every interface, for probes from outside.
    /// </summary>
    public Uri HealthListener(string where, IReadOnlyList<string> arguments)
    {
        AssertRuns(where, arguments);
        var option = OptionsOf(arguments[0]).Contains(OpsUrls) ? OpsUrls : Urls;
        var value = ValueOf(arguments, option);
        Assert.True(value is not null, $"{where} does not pass {option}, so it serves no {LivenessPath}, {ReadinessPath} or /metrics");
        Assert.True(
            Uri.TryCreate(value.Split(';')[0], UriKind.Absolute, out var listen) && listen.Host == "0.0.0.0",
            $"{where} serves {ReadinessPath} on {value}, not on every interface (http://0.0.0.0:PORT), so no probe can reach it");
        return listen;
    }

    /// <summary>The value given to <paramref name="option"/> (<c>--x v</c> or <c>--x=v</c>), or null.</summary>
    public static string? ValueOf(IReadOnlyList<string> arguments, string option)
    {
        for (var i = 0; i < arguments.Count; i++)
        {
            if (arguments[i] == option && i + 1 < arguments.Count)
            {
                return arguments[i + 1];
            }

            if (arguments[i].StartsWith(option + "=", StringComparison.Ordinal))
            {
                return arguments[i][(option.Length + 1)..];
            }
        }

        return null;
    }

    private static string Help(string dll, IEnumerable<string> command)
    {
        var result = ExternalProcess.RunAsync(WorkerProcess.DotnetHost(), [dll, .. command, "--help"], HelpTimeout).GetAwaiter().GetResult();
        Assert.True(result.ExitCode == 0, result.Describe($"truecost {string.Join(' ', command)} --help"));
        return result.Stdout;
    }

    /// <summary>The lines under a heading such as <c>Options:</c>, up to the next heading.</summary>
    private static IEnumerable<string> Section(string help, string heading) =>
        help.Split('\n').Select(line => line.TrimEnd('\r'))
            .SkipWhile(line => line != heading + ":")
            .Skip(1)
            .TakeWhile(line => line.Length == 0 || char.IsWhiteSpace(line[0]));

    [GeneratedRegex(@"^\s{2}(?<name>[a-z][a-z0-9-]*)(\s|$)")]
    private static partial Regex CommandName();

    [GeneratedRegex(@"^\s{2}(?<names>-[^\s,<]+(,\s*-[^\s,<]+)*)")]
    private static partial Regex OptionNames();

    [GeneratedRegex(@"--[a-z0-9][a-z0-9-]*")]
    private static partial Regex LongName();
}
