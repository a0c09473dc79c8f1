using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
using TrueCost.IntegrationTests.Reporting;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>
/// infra/k8s rendered by <c>kubectl kustomize</c> (offline: no cluster is asked), as the objects it holds. On a machine
/// without kubectl the tests that need it skip, naming the package to install (tests/run.sh installs it).
/// </summary>
internal sealed class KubernetesManifests
{
    public const string Directory = "infra/k8s";
    private const string KubectlPackage = "kubernetes-client";
    private static readonly TimeSpan RenderTimeout = TimeSpan.FromMinutes(2);
    private static readonly Lazy<string?> KubectlPath = new(() => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "kubectl"))
        .FirstOrDefault(File.Exists));

    private static readonly Lazy<KubernetesManifests> RenderedOnce = new(() => Render(KubectlPath.Value!));

    private KubernetesManifests(IReadOnlyList<KubernetesObject> objects) => Objects = objects;

    /// <summary>The rendered manifests; skips the calling <c>[SkippableFact]</c> when kubectl is not installed.</summary>
    public static KubernetesManifests Rendered
    {
        get
        {
            Skip.If(KubectlPath.Value is null, $"kubectl is not installed, so {Directory} cannot be rendered: install the Debian package {KubectlPackage} (apt-get install -y {KubectlPackage}; tests/run.sh does)");
            return RenderedOnce.Value;
        }
    }

    public IReadOnlyList<KubernetesObject> Objects { get; }

    public IEnumerable<KubernetesObject> OfKind(string kind) => Objects.Where(o => o.Kind == kind);

    public KubernetesObject Single(string kind, string name) =>
        Objects.SingleOrDefault(o => o.Kind == kind && o.Name == name)
        ?? throw new InvalidOperationException($"{Directory} renders no {kind} '{name}' (it renders: {string.Join(", ", Objects.Select(o => $"{o.Kind}/{o.Name}"))})");

    /// <summary>The rendered ConfigMap a generator named <paramref name="name"/> (kustomize appends a content hash).</summary>
    public KubernetesObject ConfigMap(string name) =>
        OfKind("ConfigMap").SingleOrDefault(o => o.Name == name || o.Name.StartsWith(name + "-", StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"{Directory} renders no ConfigMap '{name}'");

    private static KubernetesManifests Render(string kubectl)
    {
        var result = ExternalProcess.RunAsync(kubectl, ["kustomize", Repository.PathOf(Directory)], RenderTimeout).GetAwaiter().GetResult();
        Assert.True(result.ExitCode == 0, result.Describe($"kubectl kustomize {Directory}"));
        return new KubernetesManifests(Documents(result.Stdout).Select(d => new KubernetesObject(d)).ToList());
    }

    private static List<Dictionary<object, object?>> Documents(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        var deserializer = new DeserializerBuilder().Build();
        var documents = new List<Dictionary<object, object?>>();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize<Dictionary<object, object?>>(parser) is { } document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }
}

/// <summary>One rendered object; <see cref="At"/> walks its fields by name.</summary>
internal sealed class KubernetesObject(Dictionary<object, object?> root)
{
    public string Kind => ComposeFile.Scalar(root.GetValueOrDefault("kind"));

    public string ApiVersion => ComposeFile.Scalar(root.GetValueOrDefault("apiVersion"));

    public string Name => ComposeFile.Scalar(At("metadata").GetValueOrDefault("name"));

    public string Namespace => ComposeFile.Scalar(At("metadata").GetValueOrDefault("namespace"));

    public Dictionary<object, object?> At(params string[] path) => Walk(root, path);

    public static Dictionary<object, object?> Walk(Dictionary<object, object?> node, params string[] path)
    {
        var current = node;
        foreach (var field in path)
        {
            current = ComposeFile.Map(current.GetValueOrDefault(field), field);
        }

        return current;
    }

    public static List<Dictionary<object, object?>> Items(object? node) =>
        node is List<object?> list ? list.Select(item => ComposeFile.Map(item, "list item")).ToList() : [];

    public static IReadOnlyDictionary<string, string> Labels(Dictionary<object, object?> map) =>
        map.ToDictionary(kv => ComposeFile.Scalar(kv.Key), kv => ComposeFile.Scalar(kv.Value), StringComparer.Ordinal);
}
