using System.Globalization;
using System.Text.Json;
using TrueCost.Contracts.GpuSamples;

namespace TrueCost.Contracts.Metrics;

/// <summary>A group of points that looked like a GPU sample but cannot be one; <see cref="Content"/> is a small JSON description of the series.</summary>
public sealed record GpuMetricRefusal(string Reason, ReadOnlyMemory<byte> Content);

/// <summary>What one batch of points became: valid samples, refusals, and the points not read, counted by reason.</summary>
public sealed record GpuMetricMapResult(
    IReadOnlyList<GpuSampleRecord> Samples,
    IReadOnlyList<GpuMetricRefusal> Refusals,
    IReadOnlyDictionary<string, int> Ignored)
{
    public int IgnoredCount => Ignored.Values.Sum();
}

/// <summary>
/// Turns DCGM exporter and vLLM metric points into <see cref="GpuSampleRecord"/>s. Stateful: one instance per
/// stream of scrapes, because a sample's interval is the time since its GPU's previous point and token counts
/// are the increase of vLLM's counters since their previous point.
/// <list type="bullet">
/// <item>DCGM points are grouped per GPU (label <c>UUID</c>) and instant. Under MIG (labels <c>GPU_I_PROFILE</c>,
/// <c>GPU_I_ID</c>) each slice is its own GPU, id <c>UUID/mig-PROFILE-ID</c>, class "H100 1g.10gb"; NVML measures
/// power per device, so the device's power is shared among its slices present by their compute-slice count.</item>
/// <item>Utilization is <c>DCGM_FI_PROF_GR_ENGINE_ACTIVE</c> × 100 when present (the share of time the graphics
/// engine was busy), else <c>DCGM_FI_DEV_GPU_UTIL</c> (percent of time any kernel ran: coarser).</item>
/// <item>DCGM's no-data values (blank, not found, not supported, not permitted: 0x7ffffff0…, 2^47…, 0x7ffffffffffffff0…)
/// are not values: the field counts as absent.</item>
/// <item>vLLM points (label <c>model_name</c>) of a node are attached to that node's GPUs at the nearest DCGM
/// instant of the batch: running and waiting requests and token increments are split evenly (tokens in whole
/// numbers that sum exactly), KV-cache usage is the highest of the node's replicas, as is.</item>
/// </list>
/// </summary>
public sealed class GpuMetricMapper(GpuMetricMapping mapping, TimeProvider clock)
{
    public const string GrEngineActive = "DCGM_FI_PROF_GR_ENGINE_ACTIVE";
    public const string GpuUtil = "DCGM_FI_DEV_GPU_UTIL";
    public const string FramebufferUsed = "DCGM_FI_DEV_FB_USED";
    public const string FramebufferFree = "DCGM_FI_DEV_FB_FREE";
    public const string PowerUsage = "DCGM_FI_DEV_POWER_USAGE";
    public const string RequestsRunning = "vllm:num_requests_running";
    public const string RequestsWaiting = "vllm:num_requests_waiting";
    public const string KvCacheUsage = "vllm:kv_cache_usage_perc";
    public const string KvCacheUsageV0 = "vllm:gpu_cache_usage_perc";
    public const string PromptTokens = "vllm:prompt_tokens";
    public const string GenerationTokens = "vllm:generation_tokens";

    // dcgm_structs.h (NVIDIA/DCGM): each type's blank base and, at +1..+3, not found / not supported / not permissioned;
    // DCGM_*_IS_BLANK treats everything from the base up as blank.
    private const double Int32Blank = 0x7ffffff0;
    private const double Int32Max = int.MaxValue;
    private const double Fp64Blank = 140737488355328.0;
    private const double Int64Blank = 0x7ffffffffffffff0;

    private static readonly JsonSerializerOptions DescriptionJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static readonly HashSet<string> DcgmFields = [GrEngineActive, GpuUtil, FramebufferUsed, FramebufferFree, PowerUsage];

    private readonly Dictionary<string, DateTimeOffset> _lastGpuPoint = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _lastCounter = new(StringComparer.Ordinal);

    public GpuMetricMapResult Map(IReadOnlyList<MetricPoint> points)
    {
        var batch = new Batch();
        var gpus = new Dictionary<(string Id, DateTimeOffset At), GpuGroup>();
        var vllm = new List<(MetricPoint Point, string Metric, string? Node)>();
        foreach (var p in points.OrderBy(p => p.Timestamp))
        {
            if (p.Kind == MetricKind.Other)
            {
                batch.Ignore("histogram, summary or other metric type not read");
            }
            else if (DcgmFields.Contains(p.Name))
            {
                AddDcgm(p, gpus, batch);
            }
            else if (VllmMetric(p.Name) is { } metric)
            {
                if (!double.IsFinite(p.Value))
                {
                    batch.Ignore("NaN or infinite value");
                    continue;
                }

                vllm.Add((p, metric, NodeOf(p.Labels)));
            }
            else
            {
                batch.Ignore("metric not read");
            }
        }

        ShareMigPower(gpus, batch);
        var ready = Resolve(gpus.Values, batch);
        AttachVllm(ready, vllm, batch);
        foreach (var g in ready.OrderBy(g => g.At).ThenBy(g => g.Id, StringComparer.Ordinal))
        {
            Emit(g, batch);
        }

        return new GpuMetricMapResult(batch.Samples, batch.Refusals, batch.Ignored);
    }

    private static void AddDcgm(MetricPoint p, Dictionary<(string, DateTimeOffset), GpuGroup> gpus, Batch batch)
    {
        if (IsDcgmBlank(p.Value))
        {
            batch.Ignore("DCGM no-data value (blank, not found, not supported or not permitted)");
            return;
        }

        if (!double.IsFinite(p.Value))
        {
            batch.Ignore("NaN or infinite value");
            return;
        }

        if (!p.Labels.TryGetValue("UUID", out var uuid) || string.IsNullOrWhiteSpace(uuid))
        {
            batch.Refuse($"{p.Name} has no UUID label, so its GPU is unknown", Describe(p.Name, p.Timestamp, p.Labels, new() { [p.Name] = p.Value }));
            return;
        }

        var profile = p.Labels.GetValueOrDefault("GPU_I_PROFILE");
        var instance = p.Labels.GetValueOrDefault("GPU_I_ID");
        var slice = profile is { Length: > 0 } && instance is { Length: > 0 } ? profile : null;
        var id = slice is null ? uuid : $"{uuid}/mig-{profile}-{instance}";
        if (!gpus.TryGetValue((id, p.Timestamp), out var group))
        {
            group = new GpuGroup(id, uuid, slice, p.Timestamp, p.Labels);
            gpus.Add((id, p.Timestamp), group);
        }

        group.Values[p.Name] = p.Value;
        group.Points++;
    }

    /// <summary>
    /// NVML reads power per device, so DCGM shows a MIG slice the whole device's draw. Each slice present gets the
    /// device's power in proportion to its compute slices (the "3" of 3g.40gb); a whole-device series of a
    /// partitioned GPU gives its power to the slices and is not a sample itself (its capacity is the slices').
    /// </summary>
    private static void ShareMigPower(Dictionary<(string, DateTimeOffset), GpuGroup> gpus, Batch batch)
    {
        foreach (var device in gpus.Values.GroupBy(g => (g.Uuid, g.At)).Where(d => d.Any(g => g.Slice is not null)))
        {
            var slices = device.Where(g => g.Slice is not null).ToList();
            var whole = device.FirstOrDefault(g => g.Slice is null);
            var power = whole is not null && whole.Values.TryGetValue(PowerUsage, out var wholePower)
                ? wholePower
                : slices.Select(s => s.Values.TryGetValue(PowerUsage, out var w) ? w : (double?)null).Max();
            if (whole is not null)
            {
                gpus.Remove((whole.Id, whole.At));
                batch.Ignore("whole-GPU series of a MIG-partitioned GPU (its power is shared among the slices)", whole.Points);
            }

            if (power is not { } devicePower)
            {
                continue;
            }

            var weights = slices.Select(s => ComputeSlices(s.Slice!)).ToList();
            var total = weights.Sum();
            for (var i = 0; i < slices.Count; i++)
            {
                slices[i].Values[PowerUsage] = devicePower * weights[i] / total;
            }
        }
    }

    /// <summary>Names each group's node, pool, class and utilization; refuses the groups missing one.</summary>
    private List<GpuGroup> Resolve(IEnumerable<GpuGroup> groups, Batch batch)
    {
        var ready = new List<GpuGroup>();
        foreach (var g in groups)
        {
            var pool = FirstLabel(g.Labels, mapping.PoolLabelsInEffect) ?? mapping.DefaultPool;
            g.Node = NodeOf(g.Labels);
            var util = g.Values.TryGetValue(GrEngineActive, out var ratio) ? ratio * 100
                : g.Values.TryGetValue(GpuUtil, out var percent) ? percent
                : (double?)null;
            var reason = pool is null
                ? $"GPU {g.Id} has no pool label (looked at {string.Join(", ", mapping.PoolLabelsInEffect)}) and no default pool is configured ({GpuMetricMapping.Section}:DefaultPool or --pool)"
                : g.Node is null
                    ? $"GPU {g.Id} has no node label (looked at {string.Join(", ", mapping.NodeLabelsInEffect)})"
                    : util is null
                        ? $"GPU {g.Id} has neither {GrEngineActive} nor {GpuUtil}; add one to the DCGM exporter's counters"
                        : null;
            if (reason is not null)
            {
                batch.Refuse(reason, Describe(g.Id, g.At, g.Labels, g.Values));
                continue;
            }

            g.Pool = pool!;
            g.UtilPercent = util!.Value;
            var model = g.Labels.GetValueOrDefault("modelName") ?? g.Labels.GetValueOrDefault("DCGM_FI_DEV_NAME") ?? "unknown";
            g.GpuClass = g.Slice is null ? GpuMetricMapping.GpuClassOf(model) : $"{GpuMetricMapping.GpuClassOf(model)} {g.Slice}";
            ready.Add(g);
        }

        return ready;
    }

    private void AttachVllm(List<GpuGroup> gpus, List<(MetricPoint Point, string Metric, string? Node)> vllm, Batch batch)
    {
        var instantsByNode = gpus.GroupBy(g => g.Node!, StringComparer.Ordinal)
            .ToDictionary(n => n.Key, n => n.Select(g => g.At).Distinct().Order().ToList(), StringComparer.Ordinal);
        var shares = new Dictionary<(string Node, DateTimeOffset At), VllmShare>();
        foreach (var (p, metric, node) in vllm)
        {
            // Counters advance even when their point is not used, so the next increment is not inflated.
            var increment = metric is PromptTokens or GenerationTokens ? Increment(p, metric) : 0;
            if (node is null)
            {
                batch.Ignore($"vLLM point without a node label (looked at {string.Join(", ", mapping.NodeLabelsInEffect)})");
                continue;
            }

            if (!instantsByNode.TryGetValue(node, out var instants))
            {
                batch.Ignore($"vLLM points of node {node} with no GPU of that node in the batch (its DCGM points are missing or refused, or name the node differently)");
                continue;
            }

            var at = instants.MinBy(i => (i - p.Timestamp).Duration());
            if (!shares.TryGetValue((node, at), out var share))
            {
                share = new VllmShare();
                shares.Add((node, at), share);
            }

            share.Add(p, metric, increment);
        }

        foreach (var gpusOfInstant in gpus.GroupBy(g => (g.Node!, g.At)))
        {
            if (shares.TryGetValue(gpusOfInstant.Key, out var share))
            {
                share.SplitOver(gpusOfInstant.OrderBy(g => g.Id, StringComparer.Ordinal).ToList());
            }
        }
    }

    /// <summary>The increase of a cumulative counter since its previous point (none for the first point, the new value after a reset); a delta as is.</summary>
    private double Increment(MetricPoint p, string metric)
    {
        if (p.Kind == MetricKind.Delta)
        {
            return p.Value;
        }

        var key = SeriesKey(metric, p.Labels);
        var had = _lastCounter.TryGetValue(key, out var previous);
        _lastCounter[key] = p.Value;
        return !had ? 0 : p.Value >= previous ? p.Value - previous : p.Value;
    }

    private void Emit(GpuGroup g, Batch batch)
    {
        var had = _lastGpuPoint.TryGetValue(g.Id, out var previous);
        if (had && g.At == previous)
        {
            batch.Ignore("GPU instant already mapped (same GPU and timestamp as its previous point)", g.Points);
            return;
        }

        var gap = had ? (g.At - previous).TotalSeconds : double.NaN;
        var interval = gap is >= GpuSampleParser.MinIntervalSeconds and <= GpuSampleParser.MaxIntervalSeconds ? gap : mapping.DefaultIntervalSeconds;
        if (!had || g.At > previous)
        {
            _lastGpuPoint[g.Id] = g.At;
        }

        var record = new GpuSampleRecord
        {
            Timestamp = g.At.ToUniversalTime(),
            IntervalSeconds = interval,
            Pool = g.Pool,
            Node = g.Node!,
            GpuUuid = g.Id,
            GpuClass = g.GpuClass,
            GpuUtilPercent = g.UtilPercent,
            FramebufferUsedMiB = g.Values.GetValueOrDefault(FramebufferUsed),
            FramebufferFreeMiB = g.Values.GetValueOrDefault(FramebufferFree),
            PowerWatts = g.Values.GetValueOrDefault(PowerUsage),
            RequestsRunning = g.RequestsRunning,
            RequestsWaiting = g.RequestsWaiting,
            KvCacheUsage = g.KvCacheUsage,
            PromptTokens = g.PromptTokens,
            GenerationTokens = g.GenerationTokens,
        };
        if (GpuSampleParser.Check(record, clock.GetUtcNow()) is { } error)
        {
            batch.Refuse($"GPU {g.Id} at {record.Timestamp:O}: {error}", Describe(g.Id, g.At, g.Labels, g.Values));
            return;
        }

        batch.Samples.Add(record);
    }

    private string? NodeOf(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var label in mapping.NodeLabelsInEffect)
        {
            if (labels.TryGetValue(label, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                return label == "instance" ? HostOf(value) : value;
            }
        }

        return null;
    }

    private static string? FirstLabel(IReadOnlyDictionary<string, string> labels, IReadOnlyList<string> names) =>
        names.Select(n => labels.GetValueOrDefault(n)).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    /// <summary>The host of a Prometheus <c>instance</c> ("gpu-node-1:8000", "[fd00::1]:9400", "10.0.0.7").</summary>
    public static string HostOf(string instance)
    {
        if (instance.StartsWith('[') && instance.IndexOf(']', StringComparison.Ordinal) is var close and > 0)
        {
            return instance[1..close];
        }

        var colon = instance.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon == instance.LastIndexOf(':') ? instance[..colon] : instance;
    }

    /// <summary>The vLLM metric a point belongs to; counters with or without <c>_total</c> (the Collector's prometheus receiver may drop it).</summary>
    private static string? VllmMetric(string name) => name switch
    {
        RequestsRunning or RequestsWaiting => name,
        KvCacheUsage or KvCacheUsageV0 => KvCacheUsage,
        PromptTokens or PromptTokens + "_total" => PromptTokens,
        GenerationTokens or GenerationTokens + "_total" => GenerationTokens,
        _ => null,
    };

    public static bool IsDcgmBlank(double value) =>
        value is >= Int32Blank and <= Int32Max
        || value is >= Fp64Blank and < Fp64Blank + 16
        || value >= Int64Blank;

    /// <summary>The compute slices of a MIG profile ("3g.40gb" → 3; "1c.3g.40gb", a compute instance, → 1); 1 when unreadable.</summary>
    private static int ComputeSlices(string profile)
    {
        var digits = new string(profile.TakeWhile(char.IsAsciiDigit).ToArray());
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;
    }

    private static string SeriesKey(string metric, IReadOnlyDictionary<string, string> labels) =>
        metric + "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";

    private static byte[] Describe(string series, DateTimeOffset at, IReadOnlyDictionary<string, string> labels, Dictionary<string, double> values) =>
        JsonSerializer.SerializeToUtf8Bytes(new SeriesDescription(series, at.ToUniversalTime(), labels, values.ToDictionary(v => v.Key, v => double.IsFinite(v.Value) ? v.Value : (double?)null)), DescriptionJson);

    private sealed record SeriesDescription(string Series, DateTimeOffset Timestamp, IReadOnlyDictionary<string, string> Labels, Dictionary<string, double?> Values);

    private sealed class GpuGroup(string id, string uuid, string? slice, DateTimeOffset at, IReadOnlyDictionary<string, string> labels)
    {
        public string Id { get; } = id;
        public string Uuid { get; } = uuid;
        public string? Slice { get; } = slice;
        public DateTimeOffset At { get; } = at;
        public IReadOnlyDictionary<string, string> Labels { get; } = labels;
        public Dictionary<string, double> Values { get; } = new(StringComparer.Ordinal);
        public int Points { get; set; }
        public string? Node { get; set; }
        public string Pool { get; set; } = string.Empty;
        public string GpuClass { get; set; } = string.Empty;
        public double UtilPercent { get; set; }
        public double RequestsRunning { get; set; }
        public double RequestsWaiting { get; set; }
        public double KvCacheUsage { get; set; }
        public long PromptTokens { get; set; }
        public long GenerationTokens { get; set; }
    }

    /// <summary>The vLLM values of one node at one DCGM instant: the latest gauge of each series, the sum of token increments.</summary>
    private sealed class VllmShare
    {
        private readonly Dictionary<string, (string Metric, double Value)> _gauges = new(StringComparer.Ordinal);
        private double _prompt;
        private double _generation;

        public void Add(MetricPoint p, string metric, double increment)
        {
            switch (metric)
            {
                case PromptTokens: _prompt += increment; break;
                case GenerationTokens: _generation += increment; break;
                // Points arrive in time order, so the last one of a series wins.
                default: _gauges[SeriesKey(metric, p.Labels)] = (metric, p.Value); break;
            }
        }

        public void SplitOver(List<GpuGroup> gpus)
        {
            var running = _gauges.Values.Where(g => g.Metric == RequestsRunning).Sum(g => g.Value);
            var waiting = _gauges.Values.Where(g => g.Metric == RequestsWaiting).Sum(g => g.Value);
            var kv = _gauges.Values.Where(g => g.Metric == KvCacheUsage).Select(g => g.Value).DefaultIfEmpty(0).Max();
            var prompt = Split((long)Math.Round(_prompt), gpus.Count);
            var generation = Split((long)Math.Round(_generation), gpus.Count);
            for (var i = 0; i < gpus.Count; i++)
            {
                gpus[i].RequestsRunning = running / gpus.Count;
                gpus[i].RequestsWaiting = waiting / gpus.Count;
                gpus[i].KvCacheUsage = kv;
                gpus[i].PromptTokens = prompt[i];
                gpus[i].GenerationTokens = generation[i];
            }
        }

        /// <summary>Whole shares that sum to <paramref name="total"/>; the first GPUs take the remainder, one each.</summary>
        private static long[] Split(long total, int parts) =>
            Enumerable.Range(0, parts).Select(i => total / parts + (i < total % parts ? 1 : 0)).ToArray();
    }

    private sealed class Batch
    {
        public List<GpuSampleRecord> Samples { get; } = [];
        public List<GpuMetricRefusal> Refusals { get; } = [];
        public Dictionary<string, int> Ignored { get; } = new(StringComparer.Ordinal);

        public void Ignore(string reason, int points = 1) => Ignored[reason] = Ignored.GetValueOrDefault(reason) + points;

        public void Refuse(string reason, byte[] content) => Refusals.Add(new GpuMetricRefusal(reason, content));
    }
}
