using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Npgsql;
using TrueCost.Contracts;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.Ledger.Storage;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>
/// There is no Docker engine here, so docker-compose.yml never runs in a test. These tests read it,
/// the Dockerfile it builds and the PostgreSQL init script it mounts, and hold them to the code:
/// the topics <see cref="Topics"/> names, the <c>TRUECOST_*</c> variables the program reads, the
/// commands and options the built CLI has, the assembly the CLI project produces. A rename on either side
/// fails here rather than at <c>docker compose up</c>.
/// </summary>
public sealed partial class ComposeFileTests
{
    private const string ReaderRole = "truecost_reader";
    private const string Collector = "otel-collector";

    /// <summary>Every TrueCost process in compose: each service is named after the command it runs.</summary>
    private static readonly IReadOnlyList<string> Workers = CliSurface.Deployables;
    private static readonly string[] Infrastructure = ["kafka", "postgres", "rabbitmq"];

    private static readonly Lazy<ComposeFile> ParsedCompose = new(() => ComposeFile.Parse(File.ReadAllText(Repository.PathOf("docker-compose.yml"))));

    private static string Root => Repository.Root;

    private static ComposeFile Compose => ParsedCompose.Value;

    [Fact]
    public void Compose_runs_the_infrastructure_every_truecost_process_and_the_collector()
    {
        foreach (var name in Infrastructure.Concat(Workers).Append(Collector))
        {
            Assert.True(Compose.Services.ContainsKey(name), $"docker-compose.yml has no service '{name}' (it has: {string.Join(", ", Compose.Services.Keys)})");
        }

        foreach (var name in Infrastructure)
        {
            Assert.True(Compose.Service(name).HealthcheckTest.Count > 0, $"service '{name}' has no healthcheck, so nothing can wait for it to be ready");
        }

        foreach (var name in Workers)
        {
            Assert.True(Compose.Service(name).BuildContext is not null, $"worker '{name}' is not built from this repository (no build:)");
        }
    }

    [Fact]
    public void Every_truecost_process_has_a_health_check_that_probes_its_readiness_where_it_serves_it()
    {
        foreach (var worker in Workers.Select(Compose.Service))
        {
            var listen = CliSurface.Built.HealthListener($"worker '{worker.Name}'", worker.Command);

            var check = worker.HealthcheckTest;
            Assert.True(check.Count > 3 && check[0] == "CMD", $"worker '{worker.Name}' has no exec-form healthcheck (test: [\"CMD\", …]); the image has no shell tools to run one");
            var dockerfile = Dockerfile.Parse(File.ReadAllText(DockerfilePath(worker)));
            var workdir = dockerfile.Final.Instructions.Last(i => i.Keyword == "WORKDIR").Arguments;
            string[] runsTheCli = ["dotnet", $"{workdir.TrimEnd('/')}/truecost.dll"];
            Assert.Equal(runsTheCli, check.Skip(1).Take(2));

            var probe = check.Skip(3).ToList();
            Assert.Equal("probe", probe[0]);
            CliSurface.Built.AssertRuns($"the healthcheck of '{worker.Name}'", probe);
            var asked = new Uri(probe[^1]);
            Assert.True(
                asked.IsLoopback && asked.Port == listen.Port && asked.AbsolutePath == CliSurface.ReadinessPath,
                $"the healthcheck of '{worker.Name}' asks {asked}, not {CliSurface.ReadinessPath} on port {listen.Port}, where it serves it");
        }
    }

    [Fact]
    public void Every_dependency_exists_and_the_healthy_ones_define_a_healthcheck()
    {
        foreach (var service in Compose.Services.Values)
        {
            foreach (var (dependency, condition) in service.DependsOn)
            {
                Assert.True(Compose.Services.TryGetValue(dependency, out var target), $"'{service.Name}' depends on '{dependency}', which is not a service");
                if (condition == "service_healthy")
                {
                    Assert.True(target!.HealthcheckTest.Count > 0, $"'{service.Name}' waits for '{dependency}' to be healthy, but '{dependency}' has no healthcheck: it would never start");
                }
            }
        }
    }

    [Fact]
    public void Projector_runs_two_replicas_so_a_standby_takes_over_from_the_leader()
    {
        var projector = Compose.Service("projector");

        Assert.True(Math.Max(projector.Replicas ?? 1, projector.Scale ?? 1) >= 2, $"projector runs {projector.Replicas ?? projector.Scale ?? 1} replica: with one, its machine is a single point of failure (the replicas elect a leader)");
        Assert.NotEqual("global", projector.DeployMode);

        // The leadership lock ends with the leader's session: a leader gone without closing its socket must be noticed
        // by the server within a minute, not after the kernel's default two hours of TCP keepalive silence.
        var postgres = Compose.Service(new NpgsqlConnectionStringBuilder(Interpolated(projector.Environment["TRUECOST_POSTGRES"])).Host!);
        var idle = postgres.Command.Select(word => KeepaliveIdle().Match(word)).FirstOrDefault(m => m.Success);
        Assert.True(
            idle is not null && int.Parse(idle.Groups["seconds"].Value, CultureInfo.InvariantCulture) <= 60,
            $"service '{postgres.Name}' does not set tcp_keepalives_idle to a minute or less (command: {string.Join(' ', postgres.Command)}), so a vanished leader would keep the lock for hours");
    }

    [Fact]
    public void Workers_set_only_environment_variables_the_code_reads()
    {
        foreach (var worker in Workers.Select(Compose.Service))
        {
            Assert.NotEmpty(worker.Environment);
            Repository.AssertEnvironmentIsRead($"worker '{worker.Name}'", worker.Environment.ToDictionary(kv => kv.Key, kv => Interpolated(kv.Value), StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Workers_reach_postgres_kafka_and_rabbitmq_through_services_they_wait_for()
    {
        foreach (var worker in Workers.Select(Compose.Service))
        {
            Assert.True(worker.Environment.ContainsKey("TRUECOST_POSTGRES") || worker.Environment.ContainsKey("TRUECOST_KAFKA"), $"worker '{worker.Name}' is given neither PostgreSQL nor Kafka");
            if (worker.Environment.TryGetValue("TRUECOST_POSTGRES", out var postgres))
            {
                AssertWaitsUntilHealthy(worker, new NpgsqlConnectionStringBuilder(postgres).Host ?? string.Empty, "TRUECOST_POSTGRES");
            }

            if (worker.Environment.TryGetValue("TRUECOST_RABBITMQ", out var rabbitmq))
            {
                AssertWaitsUntilHealthy(worker, new Uri(Interpolated(rabbitmq)).Host, "TRUECOST_RABBITMQ");
            }

            if (worker.Environment.TryGetValue("TRUECOST_KAFKA", out var kafka))
            {
                AssertUsesTheAdvertisedBrokersAfterTopicsExist(worker, kafka.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), "TRUECOST_KAFKA");
            }
        }
    }

    [Fact]
    public void Collector_runs_the_repository_config_and_exports_to_topics_kafka_init_creates()
    {
        var collector = Compose.Service(Collector);
        Assert.StartsWith("otel/opentelemetry-collector-contrib:", collector.Image, StringComparison.Ordinal);
        var mount = collector.Volumes.SingleOrDefault(v => v.IsBind && v.Target == "/etc/otelcol-contrib/config.yaml");
        Assert.True(mount is not null, $"service '{Collector}' does not mount its configuration at /etc/otelcol-contrib/config.yaml, where the contrib image reads it");
        var config = Path.GetFullPath(Path.Combine(Root, mount.Source));
        Assert.True(File.Exists(config), $"service '{Collector}' mounts {mount.Source}, which does not exist");

        var kafka = ComposeFile.Map(ComposeFile.Map(ComposeFile.ParseDocument(File.ReadAllText(config)).GetValueOrDefault("exporters"), "exporters").GetValueOrDefault("kafka"), "exporters.kafka");
        var brokers = kafka.GetValueOrDefault("brokers") as List<object?> ?? [];
        AssertUsesTheAdvertisedBrokersAfterTopicsExist(collector, brokers.Select(ComposeFile.Scalar).ToList(), $"{mount.Source} exporters.kafka.brokers");
        var created = CreatedTopics().Select(c => c.Topic).ToHashSet(StringComparer.Ordinal);
        var ingest = new IngestOptions();
        foreach (var (signal, expected) in new[] { ("traces", ingest.Otlp.SpansTopic), ("metrics", ingest.Otlp.MetricsTopic) })
        {
            var topic = ComposeFile.Scalar(ComposeFile.Map(kafka.GetValueOrDefault(signal), $"exporters.kafka.{signal}").GetValueOrDefault("topic"));
            Assert.Equal(expected, topic);
            Assert.Contains(topic, created);
        }
    }

    [Fact]
    public void Kafka_init_creates_exactly_the_input_topics_and_their_dead_letter_topics()
    {
        var created = CreatedTopics();

        var ingest = new IngestOptions();
        var inputs = Topics.All.Concat([ingest.Otlp.SpansTopic, ingest.Otlp.MetricsTopic, ingest.LiteLlm.Topic]).ToList();
        var expected = inputs.Concat(inputs.Select(Topics.DeadLetter)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, created.Select(c => c.Topic).Order(StringComparer.Ordinal).ToList());

        var ingestReplicas = Compose.Service("ingest").Replicas ?? 1;
        foreach (var (topic, partitions) in created)
        {
            Assert.True(partitions >= 1, $"kafka-init creates {topic} with {partitions} partitions");
            if (inputs.Contains(topic))
            {
                Assert.True(partitions >= ingestReplicas, $"{topic} has {partitions} partitions, fewer than the {ingestReplicas} ingest replicas: some would sit idle");
            }
        }
    }

    [Fact]
    public void Workers_are_built_from_a_Dockerfile_that_publishes_the_cli_and_runs_its_dll()
    {
        foreach (var worker in Workers.Select(Compose.Service))
        {
            var path = DockerfilePath(worker);
            var dockerfile = Dockerfile.Parse(File.ReadAllText(path));

            var publish = Publish(dockerfile, path);
            var project = PublishedProject(worker, dockerfile);
            var assembly = XDocument.Load(project).Descendants("AssemblyName").Select(e => e.Value).SingleOrDefault()
                ?? Path.GetFileNameWithoutExtension(project);
            Assert.Equal("truecost", assembly);

            var entrypoint = dockerfile.Final.Instructions.LastOrDefault(i => i.Keyword == "ENTRYPOINT");
            Assert.True(entrypoint is not null, $"the final stage of {path} has no ENTRYPOINT");
            string[] runsTheCli = ["dotnet", $"{assembly}.dll"];
            Assert.Equal(runsTheCli, entrypoint.ExecForm());

            var output = publish.Groups["output"].Value.TrimEnd('/');
            var stage = dockerfile.Stages.Single(s => s.Instructions.Any(i => i.Keyword == "RUN" && i.Arguments.Contains(publish.Value, StringComparison.Ordinal)));
            var copiesOutput = dockerfile.Final.Instructions.Where(i => i.Keyword == "COPY").Select(i => i.Split()).Any(copy =>
                copy.Flags.Contains($"--from={stage.Name}") && copy.Operands.Count == 2 && copy.Operands[0].TrimEnd('/') == output);
            Assert.True(copiesOutput, $"the final stage of {path} does not COPY --from={stage.Name} the publish output {output}");
        }
    }

    [Fact]
    public void Dockerfile_copies_only_paths_that_exist_in_the_build_context()
    {
        foreach (var worker in Workers.Select(Compose.Service))
        {
            var context = BuildContext(worker);
            var copies = Dockerfile.Parse(File.ReadAllText(DockerfilePath(worker))).All("COPY").Select(i => i.Split())
                .Where(copy => !copy.Flags.Any(f => f.StartsWith("--from=", StringComparison.Ordinal)))
                .ToList();
            Assert.NotEmpty(copies);
            foreach (var source in copies.SelectMany(copy => copy.Operands.SkipLast(1)))
            {
                Assert.True(Matches(context, source).Any(), $"Dockerfile of '{worker.Name}' copies {source}, which matches nothing under {context}");
            }
        }
    }

    [Fact]
    public void Dockerfile_images_match_the_target_framework_and_the_shared_framework_the_cli_needs()
    {
        var framework = XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("TargetFramework").Single().Value;
        var version = framework.Replace("net", string.Empty, StringComparison.Ordinal);

        foreach (var worker in Workers.Select(Compose.Service))
        {
            var dockerfile = Dockerfile.Parse(File.ReadAllText(DockerfilePath(worker)));
            var images = dockerfile.Stages
                .Select(s => s.BaseImage)
                .Where(image => image.StartsWith("mcr.microsoft.com/dotnet/", StringComparison.Ordinal))
                .ToList();
            Assert.Contains(images, image => image.StartsWith("mcr.microsoft.com/dotnet/sdk:", StringComparison.Ordinal));
            foreach (var image in images)
            {
                Assert.True(image.Split(':')[1].StartsWith(version, StringComparison.Ordinal), $"{image} does not match the target framework {framework}");
            }

            // The runtime image has no ASP.NET Core: a CLI that (transitively) references a web project needs the aspnet image.
            var needsAspNet = ProjectClosure(PublishedProject(worker, dockerfile)).FirstOrDefault(UsesAspNetCore);
            var final = dockerfile.Final.BaseImage;
            if (needsAspNet is not null)
            {
                Assert.True(
                    final.StartsWith("mcr.microsoft.com/dotnet/aspnet:", StringComparison.Ordinal),
                    $"the published CLI references {Path.GetFileName(needsAspNet)}, which needs ASP.NET Core, but the final image is {final}");
            }
            else
            {
                Assert.True(
                    final.StartsWith("mcr.microsoft.com/dotnet/runtime:", StringComparison.Ordinal) || final.StartsWith("mcr.microsoft.com/dotnet/aspnet:", StringComparison.Ordinal),
                    $"the final image {final} is not a .NET runtime image");
            }
        }
    }

    [Fact]
    public void Workers_run_commands_and_options_the_cli_has()
    {
        foreach (var worker in Workers.Select(Compose.Service))
        {
            Assert.Empty(worker.Entrypoint);
            Assert.NotEmpty(worker.Command);
            Assert.Equal(worker.Name, worker.Command[0]);
            CliSurface.Built.AssertRuns($"worker '{worker.Name}'", worker.Command);
        }
    }

    [Fact]
    public void Postgres_init_script_creates_the_database_roles_and_ledger_schema_the_workers_use()
    {
        var schema = new LedgerOptions().Schema;
        foreach (var worker in Workers.Select(Compose.Service).Where(w => w.Environment.ContainsKey("TRUECOST_POSTGRES")))
        {
            var connection = new NpgsqlConnectionStringBuilder(Interpolated(worker.Environment["TRUECOST_POSTGRES"]));
            var postgres = Compose.Service(connection.Host!);
            var mount = postgres.Volumes.SingleOrDefault(v => v.IsBind && v.Target.StartsWith("/docker-entrypoint-initdb.d/", StringComparison.Ordinal));
            Assert.True(mount is not null, $"service '{postgres.Name}' mounts no init script into /docker-entrypoint-initdb.d/");
            var script = Path.GetFullPath(Path.Combine(Root, mount.Source));
            Assert.True(File.Exists(script), $"service '{postgres.Name}' mounts {mount.Source}, which does not exist");
            var sql = File.ReadAllText(script);

            AssertSql(sql, $@"CREATE\s+ROLE\s+{connection.Username}\s+LOGIN\b", $"creates no login role {connection.Username} for worker '{worker.Name}'");
            AssertSql(sql, $@"CREATE\s+ROLE\s+{ReaderRole}\s+LOGIN\b", $"creates no login role {ReaderRole}");
            AssertSql(sql, $@"CREATE\s+DATABASE\s+{connection.Database}\s+OWNER\s+{connection.Username}\b", $"does not create database {connection.Database} owned by {connection.Username}");
            AssertSql(sql, $@"CREATE\s+SCHEMA\s+{schema}\s+AUTHORIZATION\s+{connection.Username}\b", $"does not create the ledger schema {schema} owned by {connection.Username}");
            AssertSql(sql, $@"GRANT\s+USAGE\s+ON\s+SCHEMA\s+{schema}\s+TO\s+{ReaderRole}\b", $"does not let {ReaderRole} use schema {schema}");
            AssertSql(
                sql,
                $@"ALTER\s+DEFAULT\s+PRIVILEGES\s+FOR\s+ROLE\s+{connection.Username}\s+IN\s+SCHEMA\s+{schema}\s+GRANT\s+SELECT\s+ON\s+TABLES\s+TO\s+{ReaderRole}\b",
                $"does not grant {ReaderRole} SELECT on the tables {connection.Username} creates later in {schema}");
        }
    }

    /// <summary>Kafka-init's topics and their partition counts, as its script creates them.</summary>
    internal static List<(string Topic, int Partitions)> CreatedTopics()
    {
        var init = Compose.Service("kafka-init");
        var script = string.Join('\n', init.Entrypoint.Concat(init.Command));
        return TopicCreation().Matches(script)
            .Select(m => (Topic: m.Groups["topic"].Value, Partitions: int.Parse(m.Groups["partitions"].Value, CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>A value as Compose substitutes it when the variable is unset: <c>${NAME:-default}</c> becomes <c>default</c>.</summary>
    private static string Interpolated(string value) => Substitution().Replace(value, m => m.Groups["default"].Value);

    private static void AssertUsesTheAdvertisedBrokersAfterTopicsExist(ComposeService service, IReadOnlyList<string> servers, string source)
    {
        Assert.NotEmpty(servers);
        foreach (var server in servers)
        {
            var broker = server.Split(':')[0];
            AssertWaitsUntilHealthy(service, broker, source);
            var advertised = AdvertisedListeners(Compose.Service(broker));
            Assert.True(advertised.Contains(server), $"'{service.Name}' uses Kafka at {server}, which '{broker}' does not advertise (it advertises: {string.Join(", ", advertised)})");
        }

        Assert.True(
            service.DependsOn.GetValueOrDefault("kafka-init") == "service_completed_successfully",
            $"'{service.Name}' uses Kafka but does not wait for kafka-init to create the topics (depends_on kafka-init: service_completed_successfully)");
    }

    private static void AssertWaitsUntilHealthy(ComposeService worker, string dependency, string variable) =>
        Assert.True(
            worker.DependsOn.GetValueOrDefault(dependency) == "service_healthy",
            $"worker '{worker.Name}' reaches '{dependency}' through {variable} but does not wait for it (depends_on {dependency}: condition: service_healthy)");

    private static void AssertSql(string sql, string pattern, string failure) =>
        Assert.True(Regex.IsMatch(sql, pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant), $"the PostgreSQL init script {failure}");

    private static HashSet<string> AdvertisedListeners(ComposeService kafka) =>
        kafka.Environment.GetValueOrDefault("KAFKA_ADVERTISED_LISTENERS", string.Empty)
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(listener => listener[(listener.IndexOf("://", StringComparison.Ordinal) + 3)..])
            .ToHashSet(StringComparer.Ordinal);

    private static Match Publish(Dockerfile dockerfile, string path)
    {
        var publish = dockerfile.All("RUN").Select(run => PublishCommand().Match(run.Arguments)).SingleOrDefault(m => m.Success);
        Assert.True(publish is not null, $"{path} has no single RUN dotnet publish <project>.csproj -o <dir>");
        return publish;
    }

    /// <summary>The project the Dockerfile publishes; the build copies the repository layout, so its path is relative to the build context.</summary>
    private static string PublishedProject(ComposeService worker, Dockerfile dockerfile)
    {
        var relative = Publish(dockerfile, DockerfilePath(worker)).Groups["project"].Value;
        var project = Path.GetFullPath(Path.Combine(BuildContext(worker), relative));
        Assert.True(File.Exists(project), $"the Dockerfile of '{worker.Name}' publishes {relative}, which does not exist");
        return project;
    }

    private static HashSet<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            foreach (var reference in XDocument.Load(current).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")?.Value.Replace('\\', '/') ?? string.Empty;
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, include)));
            }
        }

        return seen;
    }

    private static bool UsesAspNetCore(string project)
    {
        var xml = XDocument.Load(project);
        return xml.Root?.Attribute("Sdk")?.Value == "Microsoft.NET.Sdk.Web"
            || xml.Descendants("FrameworkReference").Any(f => f.Attribute("Include")?.Value == "Microsoft.AspNetCore.App");
    }

    private static string BuildContext(ComposeService worker) =>
        Path.GetFullPath(Path.Combine(Root, worker.BuildContext ?? throw new InvalidOperationException($"worker '{worker.Name}' has no build context")));

    private static string DockerfilePath(ComposeService worker)
    {
        var path = Path.GetFullPath(Path.Combine(BuildContext(worker), worker.Dockerfile!));
        Assert.True(File.Exists(path), $"worker '{worker.Name}' is built from {worker.Dockerfile}, which does not exist in {BuildContext(worker)}");
        return path;
    }

    /// <summary>Paths under <paramref name="context"/> a COPY source names; <c>*</c> and <c>?</c> match within one path segment.</summary>
    private static IEnumerable<string> Matches(string context, string source)
    {
        IEnumerable<string> matches = [context];
        foreach (var segment in source.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != "."))
        {
            matches = matches.Where(Directory.Exists).SelectMany(dir => segment.AsSpan().IndexOfAny('*', '?') >= 0
                ? Directory.EnumerateFileSystemEntries(dir, segment)
                : [Path.Combine(dir, segment)]).ToList();
        }

        return matches.Where(path => File.Exists(path) || Directory.Exists(path));
    }

    /// <summary>kafka-init's script creates each topic with a line <c>create NAME PARTITIONS [--config …]</c>.</summary>
    [GeneratedRegex(@"^\s*create\s+(?<topic>[A-Za-z0-9._-]+)\s+(?<partitions>\d+)\b", RegexOptions.Multiline)]
    private static partial Regex TopicCreation();

    [GeneratedRegex(@"^tcp_keepalives_idle=(?<seconds>\d+)$")]
    private static partial Regex KeepaliveIdle();

    [GeneratedRegex(@"\$\{[A-Z0-9_]+:-(?<default>[^}]*)\}")]
    private static partial Regex Substitution();

    [GeneratedRegex(@"dotnet\s+publish\s+(?<project>\S+\.csproj)\b.*?(?:-o|--output)\s+(?<output>\S+)")]
    private static partial Regex PublishCommand();
}
