using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>
/// The parts of docker-compose.yml the deployment tests reason about, read as Compose reads them:
/// YAML merge keys (<c>&lt;&lt;: *anchor</c>) resolved, and both the list and the map forms of
/// <c>environment</c> and <c>depends_on</c> accepted.
/// </summary>
internal sealed class ComposeFile
{
    private ComposeFile(IReadOnlyDictionary<string, ComposeService> services) => Services = services;

    public IReadOnlyDictionary<string, ComposeService> Services { get; }

    public ComposeService Service(string name) =>
        Services.TryGetValue(name, out var service)
            ? service
            : throw new InvalidOperationException($"docker-compose.yml has no service '{name}' (it has: {string.Join(", ", Services.Keys)})");

    public static ComposeFile Parse(string yaml)
    {
        var root = ParseDocument(yaml);
        var services = Map(root.GetValueOrDefault("services"), "services")
            .ToDictionary(kv => Scalar(kv.Key), kv => ComposeService.From(Scalar(kv.Key), Map(kv.Value, $"services.{kv.Key}")), StringComparer.Ordinal);
        return new ComposeFile(services);
    }

    /// <summary>One YAML document as nested maps and lists, merge keys resolved.</summary>
    internal static Dictionary<object, object?> ParseDocument(string yaml)
    {
        var parser = new MergingParser(new Parser(new StringReader(yaml)));
        return new DeserializerBuilder().Build().Deserialize<Dictionary<object, object?>>(parser)
            ?? throw new InvalidOperationException("the YAML document is empty");
    }

    internal static Dictionary<object, object?> Map(object? node, string path) => node switch
    {
        null => [],
        Dictionary<object, object?> map => map,
        _ => throw new InvalidOperationException($"{path} should be a mapping, found {node.GetType().Name}"),
    };

    internal static string Scalar(object? node) => node switch
    {
        string s => s,
        null => string.Empty,
        _ => Convert.ToString(node, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    /// <summary>A Compose string-or-list field (<c>command</c>, <c>entrypoint</c>, <c>healthcheck.test</c>) as its words.</summary>
    internal static IReadOnlyList<string> Words(object? node) => node switch
    {
        null => [],
        List<object?> list => list.Select(Scalar).ToList(),
        _ => Scalar(node).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries),
    };
}

internal sealed record ComposeService(
    string Name,
    string? Image,
    string? BuildContext,
    string? Dockerfile,
    IReadOnlyList<string> Entrypoint,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> DependsOn,
    IReadOnlyList<string> HealthcheckTest,
    IReadOnlyList<ComposeMount> Volumes,
    int? Replicas,
    int? Scale,
    string? DeployMode)
{
    public static ComposeService From(string name, Dictionary<object, object?> node)
    {
        var path = $"services.{name}";
        string? build = null, dockerfile = null;
        switch (node.GetValueOrDefault("build"))
        {
            case null:
                break;
            case Dictionary<object, object?> map:
                build = ComposeFile.Scalar(map.GetValueOrDefault("context") ?? ".");
                dockerfile = ComposeFile.Scalar(map.GetValueOrDefault("dockerfile") ?? "Dockerfile");
                break;
            case var context:
                build = ComposeFile.Scalar(context);
                dockerfile = "Dockerfile";
                break;
        }

        var deploy = ComposeFile.Map(node.GetValueOrDefault("deploy"), $"{path}.deploy");
        var healthcheck = ComposeFile.Map(node.GetValueOrDefault("healthcheck"), $"{path}.healthcheck");
        return new ComposeService(
            name,
            node.GetValueOrDefault("image") is { } image ? ComposeFile.Scalar(image) : null,
            build,
            dockerfile,
            ComposeFile.Words(node.GetValueOrDefault("entrypoint")),
            ComposeFile.Words(node.GetValueOrDefault("command")),
            ReadEnvironment(node.GetValueOrDefault("environment"), path),
            ReadDependsOn(node.GetValueOrDefault("depends_on"), path),
            ComposeFile.Words(healthcheck.GetValueOrDefault("test")),
            ReadVolumes(node.GetValueOrDefault("volumes"), path),
            Integer(deploy.GetValueOrDefault("replicas"), $"{path}.deploy.replicas"),
            Integer(node.GetValueOrDefault("scale"), $"{path}.scale"),
            deploy.GetValueOrDefault("mode") is { } mode ? ComposeFile.Scalar(mode) : null);
    }

    private static Dictionary<string, string> ReadEnvironment(object? node, string path) => node switch
    {
        null => [],
        List<object?> list => list.Select(ComposeFile.Scalar).ToDictionary(
            entry => entry.Split('=', 2)[0],
            entry => entry.Contains('=', StringComparison.Ordinal) ? entry.Split('=', 2)[1] : string.Empty,
            StringComparer.Ordinal),
        _ => ComposeFile.Map(node, $"{path}.environment").ToDictionary(kv => ComposeFile.Scalar(kv.Key), kv => ComposeFile.Scalar(kv.Value), StringComparer.Ordinal),
    };

    /// <summary>Short (<c>source:target[:mode]</c>) and long (<c>source:</c>, <c>target:</c>) volume syntax.</summary>
    private static List<ComposeMount> ReadVolumes(object? node, string path) => node switch
    {
        null => [],
        List<object?> list => list.Select(entry => entry is Dictionary<object, object?> map
            ? new ComposeMount(ComposeFile.Scalar(map.GetValueOrDefault("source")), ComposeFile.Scalar(map.GetValueOrDefault("target")))
            : ShortMount(ComposeFile.Scalar(entry))).ToList(),
        _ => throw new InvalidOperationException($"docker-compose.yml: {path}.volumes should be a list"),
    };

    private static ComposeMount ShortMount(string entry)
    {
        var parts = entry.Split(':');
        return parts.Length == 1 ? new ComposeMount(string.Empty, parts[0]) : new ComposeMount(parts[0], parts[1]);
    }

    /// <summary>Dependency → condition; the short list form means <c>service_started</c>.</summary>
    private static Dictionary<string, string> ReadDependsOn(object? node, string path) => node switch
    {
        null => [],
        List<object?> list => list.Select(ComposeFile.Scalar).ToDictionary(dependency => dependency, _ => "service_started", StringComparer.Ordinal),
        _ => ComposeFile.Map(node, $"{path}.depends_on").ToDictionary(
            kv => ComposeFile.Scalar(kv.Key),
            kv => ComposeFile.Scalar(ComposeFile.Map(kv.Value, $"{path}.depends_on.{kv.Key}").GetValueOrDefault("condition") ?? "service_started"),
            StringComparer.Ordinal),
    };

    private static int? Integer(object? node, string path) =>
        node is null
            ? null
            : int.TryParse(ComposeFile.Scalar(node), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new InvalidOperationException($"docker-compose.yml: {path} '{ComposeFile.Scalar(node)}' is not an integer");
}

/// <summary>A volume or bind mount; <see cref="IsBind"/> when the source is a path rather than a named volume.</summary>
internal sealed record ComposeMount(string Source, string Target)
{
    public bool IsBind => Source.StartsWith('.') || Source.StartsWith('/');
}
