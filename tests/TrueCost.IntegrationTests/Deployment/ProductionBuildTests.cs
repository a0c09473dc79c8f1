using TrueCost.IntegrationTests.Reliability;
using TrueCost.IntegrationTests.Reporting;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>
/// The image holds only what production runs: the Dockerfile publishes the CLI with <c>TrueCostDevTools=false</c>,
/// which leaves out the embedded PostgreSQL, the Kafka mock, Testcontainers and the synthetic generator, and the
/// commands that need them. The test publishes with the Dockerfile's own properties into a directory of its own
/// (its own obj/ and bin/ too, so the build the other tests run is not touched) and looks at what came out. That
/// directory stays beside the test assembly, so later runs build incrementally (≈ 12 s here; the first one compiles
/// every project, a few minutes on 2 busy cores).
/// </summary>
public sealed class ProductionBuildTests
{
    private const string DevTools = "TrueCostDevTools";
    private const string Cli = "src/TrueCost.Cli/TrueCost.Cli.csproj";
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);
    private static readonly IEnumerable<string> DeployedCommands = CliSurface.Deployables.Append("probe");
    private static readonly string[] DevelopmentCommands = ["demo", "dev"];

    /// <summary>Assemblies only <c>demo</c> and <c>dev</c> need: the embedded infrastructure (the Kafka mock lives in DevInfra), its Docker client and the generator.</summary>
    private static readonly string[] DevelopmentAssemblies = ["TrueCost.DevInfra.dll", "TrueCost.Synthetic.dll", "Testcontainers*.dll", "Docker.DotNet*.dll"];

    [Fact]
    public void Dockerfile_restores_and_publishes_the_cli_without_the_dev_tools()
    {
        var (restore, publish) = RestoreAndPublish();

        Assert.True(publish.GetValueOrDefault(DevTools) == "false", $"infra/docker/Dockerfile publishes without -p:{DevTools}=false, so the image carries the embedded PostgreSQL, the Kafka mock and the generator");
        Assert.True(
            restore.GetValueOrDefault(DevTools) == publish[DevTools],
            $"infra/docker/Dockerfile restores with {DevTools}={restore.GetValueOrDefault(DevTools) ?? "(unset)"} but publishes --no-restore with {publish[DevTools]}: the restored project graph would not match");
    }

    [Fact]
    public async Task The_published_image_contents_hold_no_dev_infrastructure_and_run_every_deployable()
    {
        var (_, publish) = RestoreAndPublish();
        var work = Path.Combine(AppContext.BaseDirectory, "production-publish");
        var output = Path.Combine(work, "app");
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        string[] arguments =
        [
            "publish", Repository.PathOf(Cli), "-c", "Release", "-o", output, "--artifacts-path", Path.Combine(work, "artifacts"),
            .. publish.Select(kv => $"-p:{kv.Key}={kv.Value}"),
        ];
        var published = await ExternalProcess.RunAsync(WorkerProcess.DotnetHost(), arguments, PublishTimeout);
        Assert.True(published.ExitCode == 0, published.Describe($"dotnet {string.Join(' ', arguments)}"));

        var present = DevelopmentAssemblies.SelectMany(pattern => Directory.EnumerateFiles(output, pattern)).Select(Path.GetFileName).ToList();
        Assert.True(present.Count == 0, $"the production publish holds {string.Join(", ", present)}, which only demo and dev need");
        Assert.True(File.Exists(Path.Combine(output, "truecost.dll")), $"the production publish has no truecost.dll in {output}");

        var cli = CliSurface.Read(Path.Combine(output, "truecost.dll"));
        foreach (var command in DeployedCommands)
        {
            Assert.True(cli.Commands.Contains(command), $"`truecost --help` of the production build does not list {command} (it lists: {string.Join(", ", cli.Commands)})");
        }

        foreach (var command in DevelopmentCommands)
        {
            Assert.False(cli.Commands.Contains(command), $"`truecost --help` of the production build lists {command}, whose embedded infrastructure it leaves out");
        }
    }

    [Fact]
    public void The_normal_build_keeps_demo_and_dev()
    {
        foreach (var command in DevelopmentCommands.Concat(DeployedCommands))
        {
            Assert.True(CliSurface.Built.Commands.Contains(command), $"`truecost --help` of the normal build does not list {command}");
        }
    }

    private static (IReadOnlyDictionary<string, string> Restore, IReadOnlyDictionary<string, string> Publish) RestoreAndPublish()
    {
        var dockerfile = Dockerfile.Parse(File.ReadAllText(Repository.PathOf("infra/docker/Dockerfile")));
        var runs = dockerfile.All("RUN").ToList();
        var restore = runs.SingleOrDefault(r => r.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var publish = runs.SingleOrDefault(r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.True(restore is not null && publish is not null, "infra/docker/Dockerfile should have one RUN dotnet restore and one RUN dotnet publish");
        Assert.Contains(Cli, publish.Arguments, StringComparison.Ordinal);
        return (restore.MsBuildProperties(), publish.MsBuildProperties());
    }
}
