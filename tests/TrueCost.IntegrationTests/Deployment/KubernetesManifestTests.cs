using System.Globalization;
using System.Text.Json;
using TrueCost.Contracts;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Reliability;
using TrueCost.IntegrationTests.Reporting;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>
/// infra/k8s rendered with kustomize and held to the code: every container runs a command and options the built CLI
/// has, probes ask the ops endpoints where the process serves them, every variable and reference resolves, the
/// projector keeps a standby through disruptions, and KEDA scales ingest no further than the request-log topic's
/// partitions, as compose's kafka-init creates them.
/// </summary>
public sealed class KubernetesManifestTests
{
    private const string Container = "truecost";
    private const string Secrets = "truecost-secrets";

    /// <summary>A Secret's value is not in the manifests; this stands in for it (a valid key hash, a non-empty string).</summary>
    private static readonly string FromSecret = new('0', 64);

    /// <summary>Every TrueCost deployable: each Deployment is named after the command it runs.</summary>
    private static readonly IReadOnlyList<string> Deployables = CliSurface.Deployables;

    private static KubernetesManifests K8s => KubernetesManifests.Rendered;

    [SkippableFact]
    public void Manifests_render_a_namespace_and_a_deployment_for_every_truecost_process_and_no_secret()
    {
        var ns = Assert.Single(K8s.OfKind("Namespace"));
        foreach (var item in K8s.Objects.Where(o => o.Kind != "Namespace"))
        {
            Assert.True(item.Namespace == ns.Name, $"{item.Kind}/{item.Name} is in namespace '{item.Namespace}', not '{ns.Name}'");
        }

        foreach (var name in Deployables)
        {
            var containers = KubernetesObject.Items(K8s.Single("Deployment", name).At("spec", "template", "spec").GetValueOrDefault("containers"));
            Assert.True(containers.Count == 1 && ComposeFile.Scalar(containers[0].GetValueOrDefault("name")) == Container, $"Deployment {name} should run one container named '{Container}'");
        }

        Assert.True(!K8s.OfKind("Secret").Any(), $"{KubernetesManifests.Directory} renders a Secret: secrets are created in the cluster (infra/README.md), never kept in the repository");
    }

    [SkippableFact]
    public void Every_container_runs_a_cli_command_and_options_the_cli_has()
    {
        foreach (var name in Deployables)
        {
            var container = ContainerOf(name);
            Assert.True(!container.ContainsKey("command"), $"Deployment {name} overrides the image's entrypoint (dotnet truecost.dll) with command:; give the CLI's arguments as args:");
            Assert.StartsWith(Container, ComposeFile.Scalar(container.GetValueOrDefault("image")), StringComparison.Ordinal);
            var args = Args(container);
            Assert.Equal(name, args.FirstOrDefault());
            CliSurface.Built.AssertRuns($"Deployment {name}", args);
        }
    }

    [SkippableFact]
    public void Probes_ask_liveness_and_readiness_on_the_port_the_process_serves_them()
    {
        foreach (var name in Deployables)
        {
            var container = ContainerOf(name);
            var port = HealthPort(name);
            foreach (var (probe, path) in new[] { ("startupProbe", CliSurface.LivenessPath), ("livenessProbe", CliSurface.LivenessPath), ("readinessProbe", CliSurface.ReadinessPath) })
            {
                var get = KubernetesObject.Walk(container, probe, "httpGet");
                Assert.True(ComposeFile.Scalar(get.GetValueOrDefault("path")) == path, $"the {probe} of {name} asks {ComposeFile.Scalar(get.GetValueOrDefault("path"))}, not {path}");
                Assert.True(PortNumber(container, get.GetValueOrDefault("port")) == port, $"the {probe} of {name} asks port {ComposeFile.Scalar(get.GetValueOrDefault("port"))}, not {port}, where the process serves {path}");
            }
        }
    }

    [SkippableFact]
    public void Every_container_requests_and_limits_cpu_and_memory()
    {
        foreach (var name in Deployables)
        {
            var resources = KubernetesObject.Walk(ContainerOf(name), "resources");
            foreach (var bound in new[] { "requests", "limits" })
            {
                var values = KubernetesObject.Walk(resources, bound);
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    Assert.True(values.ContainsKey(resource), $"Deployment {name} sets no resources.{bound}.{resource}");
                }
            }
        }
    }

    [SkippableFact]
    public void Pods_run_as_a_non_root_user_on_a_read_only_root_file_system()
    {
        foreach (var name in Deployables)
        {
            var pod = K8s.Single("Deployment", name).At("spec", "template", "spec");
            var container = ContainerOf(name);
            Assert.Equal("true", ComposeFile.Scalar(KubernetesObject.Walk(pod, "securityContext").GetValueOrDefault("runAsNonRoot")));
            var security = KubernetesObject.Walk(container, "securityContext");
            Assert.True(ComposeFile.Scalar(security.GetValueOrDefault("readOnlyRootFilesystem")) == "true", $"Deployment {name} does not mount its root file system read-only");
            Assert.True(ComposeFile.Scalar(security.GetValueOrDefault("allowPrivilegeEscalation")) == "false", $"Deployment {name} allows privilege escalation");
        }
    }

    [SkippableFact]
    public async Task Environment_is_read_by_the_code_and_the_configuration_file_is_valid()
    {
        foreach (var name in Deployables)
        {
            Repository.AssertEnvironmentIsRead($"Deployment {name}", VariablesOf(name));
        }

        // Every process reads one file, mounted from the generated ConfigMap: it must pass `truecost config check`.
        var config = ConfigFile(VariablesOf("ingest")["TRUECOST_CONFIG"]);
        var directory = Directory.CreateTempSubdirectory("truecost-k8s-config-");
        try
        {
            var file = Path.Combine(directory.FullName, "truecost.json");
            await File.WriteAllTextAsync(file, config);
            var check = await ExternalProcess.RunAsync(WorkerProcess.DotnetHost(), [WorkerProcess.CliDllPath, "config", "check", file], TimeSpan.FromMinutes(1));
            Assert.True(check.ExitCode == 0, check.Describe($"truecost config check on the ConfigMap's {Path.GetFileName(file)}"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [SkippableFact]
    public void Projector_runs_two_replicas_and_disruption_budgets_cover_projector_ingest_and_api()
    {
        var projector = K8s.Single("Deployment", "projector");
        Assert.True(int.Parse(ComposeFile.Scalar(projector.At("spec").GetValueOrDefault("replicas") ?? "1"), CultureInfo.InvariantCulture) >= 2, "the projector runs one replica: its node would be a single point of failure");

        var budget = BudgetFor("projector");
        Assert.True(int.TryParse(ComposeFile.Scalar(budget.At("spec").GetValueOrDefault("minAvailable")), CultureInfo.InvariantCulture, out var keep) && keep >= 1, $"PodDisruptionBudget {budget.Name} does not keep a projector (minAvailable >= 1)");
        BudgetFor("ingest");
        BudgetFor("api");
    }

    [SkippableFact]
    public void Keda_scales_ingest_on_kafka_lag_up_to_the_partition_count_of_the_request_log_topic()
    {
        var scaled = Assert.Single(K8s.OfKind("ScaledObject"));
        Assert.Equal("keda.sh/v1alpha1", scaled.ApiVersion);
        var spec = scaled.At("spec");
        var target = KubernetesObject.Walk(spec, "scaleTargetRef");
        Assert.Equal("ingest", ComposeFile.Scalar(target.GetValueOrDefault("name")));
        Assert.Equal("Deployment", ComposeFile.Scalar(target.GetValueOrDefault("kind") ?? "Deployment"));

        var partitions = ComposeFileTests.CreatedTopics().Single(t => t.Topic == Topics.RequestLogs).Partitions;
        var max = int.Parse(ComposeFile.Scalar(spec.GetValueOrDefault("maxReplicaCount")), CultureInfo.InvariantCulture);
        Assert.True(max == partitions, $"the ScaledObject lets ingest grow to {max} replicas; {Topics.RequestLogs} has {partitions} partitions (kafka-init in docker-compose.yml), so it should stop there");
        var min = int.Parse(ComposeFile.Scalar(spec.GetValueOrDefault("minReplicaCount") ?? "0"), CultureInfo.InvariantCulture);
        Assert.InRange(min, 1, max);

        var trigger = Assert.Single(KubernetesObject.Items(spec.GetValueOrDefault("triggers")));
        Assert.Equal("kafka", ComposeFile.Scalar(trigger.GetValueOrDefault("type")));
        var metadata = KubernetesObject.Walk(trigger, "metadata");
        Assert.Equal(Topics.RequestLogs, ComposeFile.Scalar(metadata.GetValueOrDefault("topic")));
        Assert.Equal(ConsumerGroup(), ComposeFile.Scalar(metadata.GetValueOrDefault("consumerGroup")));
        Assert.Equal(VariablesOf("ingest")["TRUECOST_KAFKA"], ComposeFile.Scalar(metadata.GetValueOrDefault("bootstrapServers")));
        Assert.True(long.TryParse(ComposeFile.Scalar(metadata.GetValueOrDefault("lagThreshold")), CultureInfo.InvariantCulture, out var lag) && lag > 0, "the kafka trigger has no positive lagThreshold");
    }

    [SkippableFact]
    public void Services_reach_the_api_the_otlp_receiver_and_the_metrics_of_every_pod()
    {
        foreach (var name in new[] { "api", "otlp-receiver" })
        {
            var listens = new Uri(CliSurface.ValueOf(Args(ContainerOf(name)), "--urls") ?? throw new InvalidOperationException($"Deployment {name} passes no --urls")).Port;
            AssertServiceReaches(name, [name], _ => listens);
        }

        // /metrics is served beside /healthz and /readyz: on the ops listener of a worker, on the API's and the receiver's own port.
        AssertServiceReaches("metrics", Deployables, HealthPort);
    }

    private static void AssertServiceReaches(string service, IEnumerable<string> deployments, Func<string, int> portOf)
    {
        var spec = K8s.Single("Service", service).At("spec");
        var selector = KubernetesObject.Labels(KubernetesObject.Walk(spec, "selector"));
        Assert.NotEmpty(selector);
        var servicePort = Assert.Single(KubernetesObject.Items(spec.GetValueOrDefault("ports")));
        foreach (var name in deployments)
        {
            Assert.True(Selects(selector, name), $"Service {service} selects {string.Join(", ", selector)}, which the pods of {name} do not carry");
            var port = portOf(name);
            Assert.True(
                PortNumber(ContainerOf(name), servicePort.GetValueOrDefault("targetPort") ?? servicePort.GetValueOrDefault("port")) == port,
                $"Service {service} sends to port {ComposeFile.Scalar(servicePort.GetValueOrDefault("targetPort"))} of {name}, which listens on {port}");
        }
    }

    private static KubernetesObject BudgetFor(string deployment)
    {
        var budget = K8s.OfKind("PodDisruptionBudget").FirstOrDefault(b => Selects(KubernetesObject.Labels(b.At("spec", "selector", "matchLabels")), deployment));
        Assert.True(budget is not null, $"no PodDisruptionBudget selects the pods of {deployment}");
        return budget;
    }

    private static bool Selects(IReadOnlyDictionary<string, string> selector, string deployment)
    {
        var labels = KubernetesObject.Labels(K8s.Single("Deployment", deployment).At("spec", "template", "metadata", "labels"));
        return selector.All(kv => labels.GetValueOrDefault(kv.Key) == kv.Value);
    }

    private static Dictionary<object, object?> ContainerOf(string deployment) =>
        KubernetesObject.Items(K8s.Single("Deployment", deployment).At("spec", "template", "spec").GetValueOrDefault("containers"))
            .Single(c => ComposeFile.Scalar(c.GetValueOrDefault("name")) == Container);

    private static int HealthPort(string deployment) => CliSurface.Built.HealthListener($"Deployment {deployment}", Args(ContainerOf(deployment))).Port;

    private static List<string> Args(Dictionary<object, object?> container) => ComposeFile.Words(container.GetValueOrDefault("args")).ToList();

    /// <summary>A probe's or Service's port, by number or by the name of one of the container's ports.</summary>
    private static int? PortNumber(Dictionary<object, object?> container, object? port)
    {
        var text = ComposeFile.Scalar(port);
        if (int.TryParse(text, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        var named = KubernetesObject.Items(container.GetValueOrDefault("ports")).SingleOrDefault(p => ComposeFile.Scalar(p.GetValueOrDefault("name")) == text);
        return named is null ? null : int.Parse(ComposeFile.Scalar(named.GetValueOrDefault("containerPort")), CultureInfo.InvariantCulture);
    }

    /// <summary>The variables a container gets, with ConfigMap references resolved and a stand-in for each Secret's.</summary>
    private static Dictionary<string, string> VariablesOf(string deployment)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in KubernetesObject.Items(ContainerOf(deployment).GetValueOrDefault("env")))
        {
            var name = ComposeFile.Scalar(variable.GetValueOrDefault("name"));
            if (variable.ContainsKey("value"))
            {
                values[name] = ComposeFile.Scalar(variable["value"]);
                continue;
            }

            var from = KubernetesObject.Walk(variable, "valueFrom");
            if (from.ContainsKey("secretKeyRef"))
            {
                var secret = KubernetesObject.Walk(from, "secretKeyRef");
                Assert.True(ComposeFile.Scalar(secret.GetValueOrDefault("name")) == Secrets, $"{deployment} takes {name} from Secret {ComposeFile.Scalar(secret.GetValueOrDefault("name"))}; infra/README.md tells operators to create {Secrets}");
                values[name] = FromSecret;
            }
            else
            {
                var reference = KubernetesObject.Walk(from, "configMapKeyRef");
                var map = K8s.Single("ConfigMap", ComposeFile.Scalar(reference.GetValueOrDefault("name")));
                var key = ComposeFile.Scalar(reference.GetValueOrDefault("key"));
                Assert.True(map.At("data").ContainsKey(key), $"{deployment} takes {name} from key {key} of ConfigMap {map.Name}, which has no such key");
                values[name] = ComposeFile.Scalar(map.At("data")[key]);
            }
        }

        return values;
    }

    /// <summary>The text of the configuration file at <paramref name="path"/>, from the ConfigMap volume mounted over its directory.</summary>
    private static string ConfigFile(string path)
    {
        var container = ContainerOf("ingest");
        var mount = KubernetesObject.Items(container.GetValueOrDefault("volumeMounts"))
            .SingleOrDefault(m => ComposeFile.Scalar(m.GetValueOrDefault("mountPath")) == Path.GetDirectoryName(path));
        Assert.True(mount is not null, $"TRUECOST_CONFIG is {path}, but no volume is mounted at {Path.GetDirectoryName(path)}");
        var volume = KubernetesObject.Items(K8s.Single("Deployment", "ingest").At("spec", "template", "spec").GetValueOrDefault("volumes"))
            .Single(v => v.GetValueOrDefault("name")?.Equals(mount.GetValueOrDefault("name")) == true);
        var map = K8s.Single("ConfigMap", ComposeFile.Scalar(KubernetesObject.Walk(volume, "configMap").GetValueOrDefault("name")));
        var data = map.At("data");
        Assert.True(data.ContainsKey(Path.GetFileName(path)), $"ConfigMap {map.Name} has no {Path.GetFileName(path)}");
        return ComposeFile.Scalar(data[Path.GetFileName(path)]);
    }

    private static string ConsumerGroup()
    {
        using var config = JsonDocument.Parse(ConfigFile(VariablesOf("ingest")["TRUECOST_CONFIG"]));
        return config.RootElement.TryGetProperty(IngestOptions.Section, out var ingest) && ingest.TryGetProperty(nameof(IngestOptions.ConsumerGroup), out var group)
            ? group.GetString()!
            : new IngestOptions().ConsumerGroup;
    }
}
