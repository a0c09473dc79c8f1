using TrueCost.Contracts.GpuSamples;

namespace TrueCost.Contracts.Metrics;

/// <summary>
/// How DCGM exporter and vLLM metric points become GPU samples: which labels name the pool and the node,
/// the pool of a sample that names none, and the interval of a series' first point. Bound from configuration
/// section "Ingest:Otlp:Metrics"; <c>truecost scrape --pool</c> sets <see cref="DefaultPool"/>.
/// </summary>
public sealed class GpuMetricMapping
{
    public const string Section = "Ingest:Otlp:Metrics";

    /// <summary>
    /// Labels naming the node pool, first present wins. <c>truecost_pool</c> is TrueCost's own override (add it
    /// with a relabel rule or the exporter's extra labels). Then the cloud node-pool node labels as the
    /// Collector's <c>k8sattributes</c> processor copies them onto resource attributes (GKE, EKS managed node
    /// groups, Karpenter, AKS), then the same labels in the <c>label_…</c> form kube-state-metrics writes them
    /// (Prometheus label names cannot hold <c>.</c> or <c>/</c>), then a plain <c>nodepool</c>.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultPoolLabels =
    [
        "truecost_pool",
        "cloud.google.com/gke-nodepool",
        "eks.amazonaws.com/nodegroup",
        "karpenter.sh/nodepool",
        "kubernetes.azure.com/agentpool",
        "label_cloud_google_com_gke_nodepool",
        "label_eks_amazonaws_com_nodegroup",
        "label_karpenter_sh_nodepool",
        "label_kubernetes_azure_com_agentpool",
        "nodepool",
    ];

    /// <summary>
    /// Labels naming the node, first present wins: the Kubernetes node (<c>k8s.node.name</c> from the
    /// Collector, <c>node</c> from relabelling), DCGM exporter's <c>Hostname</c>, the OpenTelemetry
    /// <c>host.name</c>, the scraped host as the Collector's prometheus receiver names it (<c>server.address</c>,
    /// formerly <c>net.host.name</c>), and last the scrape's <c>instance</c>, of which only the host part is used.
    /// vLLM's own metrics carry no node label, so its points usually meet DCGM's through <c>instance</c>
    /// or the Kubernetes node; both must name the node the same way.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultNodeLabels =
        ["k8s.node.name", "node", "Hostname", "host.name", "server.address", "net.host.name", "instance"];

    /// <summary>
    /// Replaces <see cref="DefaultPoolLabels"/> when set. Null rather than pre-filled because the configuration
    /// binder appends configured items to a list that already holds some, and a replacement would silently grow.
    /// </summary>
    public List<string>? PoolLabels { get; set; }

    /// <summary>Replaces <see cref="DefaultNodeLabels"/> when set (null for the same reason as <see cref="PoolLabels"/>).</summary>
    public List<string>? NodeLabels { get; set; }

    public IReadOnlyList<string> PoolLabelsInEffect => PoolLabels ?? DefaultPoolLabels;

    public IReadOnlyList<string> NodeLabelsInEffect => NodeLabels ?? DefaultNodeLabels;

    /// <summary>The pool of a sample with none of <see cref="PoolLabels"/>; null refuses such samples, naming the labels looked at.</summary>
    public string? DefaultPool { get; set; }

    /// <summary>The interval of a series' first point, and of one whose previous point is under 1 s or over an hour ago.</summary>
    public double DefaultIntervalSeconds { get; set; } = 15;

    public void Validate()
    {
        if (PoolLabelsInEffect.Count == 0 || PoolLabelsInEffect.Any(string.IsNullOrWhiteSpace))
        {
            throw new InvalidOperationException($"{Section}:PoolLabels must list at least one label, none empty");
        }

        if (NodeLabelsInEffect.Count == 0 || NodeLabelsInEffect.Any(string.IsNullOrWhiteSpace))
        {
            throw new InvalidOperationException($"{Section}:NodeLabels must list at least one label, none empty");
        }

        if (DefaultPool is not null && string.IsNullOrWhiteSpace(DefaultPool))
        {
            throw new InvalidOperationException($"{Section}:DefaultPool is present but empty; remove it to refuse samples without a pool label");
        }

        if (!double.IsFinite(DefaultIntervalSeconds)
            || DefaultIntervalSeconds < GpuSampleParser.MinIntervalSeconds
            || DefaultIntervalSeconds > GpuSampleParser.MaxIntervalSeconds)
        {
            throw new InvalidOperationException(
                $"{Section}:DefaultIntervalSeconds {DefaultIntervalSeconds} is outside {GpuSampleParser.MinIntervalSeconds}..{GpuSampleParser.MaxIntervalSeconds}");
        }
    }

    /// <summary>
    /// The GPU class of a DCGM <c>modelName</c>: the vendor words (NVIDIA, Tesla, GeForce, Quadro) are dropped,
    /// the rest is split at spaces and hyphens, and the words up to and including the first one holding a digit
    /// are kept ("NVIDIA H100 80GB HBM3" → "H100", "NVIDIA A100-SXM4-80GB" → "A100", "Tesla T4" → "T4",
    /// "NVIDIA GeForce RTX 4090" → "RTX 4090", "NVIDIA L40S" → "L40S"). The memory size is left out on purpose:
    /// price catalogues name the class, and an 80 GB and a 94 GB H100 differ in memory, not in family.
    /// </summary>
    public static string GpuClassOf(string modelName)
    {
        string[] vendorWords = ["NVIDIA", "Tesla", "GeForce", "Quadro"];
        var words = modelName
            .Split([' ', '-', '_'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !vendorWords.Contains(w, StringComparer.OrdinalIgnoreCase))
            .ToList();
        var firstWithDigit = words.FindIndex(w => w.Any(char.IsAsciiDigit));
        var kept = firstWithDigit < 0 ? words : words[..(firstWithDigit + 1)];
        return kept.Count == 0 ? modelName.Trim() : string.Join(' ', kept);
    }
}
