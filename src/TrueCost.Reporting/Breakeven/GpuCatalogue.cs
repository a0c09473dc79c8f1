using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace TrueCost.Reporting.Breakeven;

/// <summary>
/// What one replica of a model size class achieves on a GPU class: sustained tokens per second
/// (input + output) and the GPUs the replica spans (tensor parallelism).
/// </summary>
public sealed record ReplicaThroughput(
    [property: JsonPropertyName("tokens_per_second")] decimal TokensPerSecond,
    [property: JsonPropertyName("gpus_per_replica")] int GpusPerReplica,
    [property: JsonPropertyName("source")] string Source)
{
    public decimal TokensPerSecondPerGpu => TokensPerSecond / GpusPerReplica;
}

/// <summary>A rentable GPU class: its price per GPU-hour and what a replica of each model size class serves on it.</summary>
public sealed record GpuOffer(
    [property: JsonPropertyName("gpu_class")] string GpuClass,
    [property: JsonPropertyName("hourly_rate")] decimal HourlyRatePerGpu,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("price_source")] string PriceSource,
    [property: JsonPropertyName("throughput")] IReadOnlyDictionary<string, ReplicaThroughput> Throughput)
{
    /// <summary>What one replica of the size class costs per hour, with every GPU it spans.</summary>
    public decimal ReplicaHourlyRate(string sizeClass) => HourlyRatePerGpu * Throughput[sizeClass].GpusPerReplica;
}

/// <summary>
/// GPU classes with public list prices and serving throughput per model size class. The shipped
/// defaults are the public figures cited below; a JSON file (same shape as <see cref="Default"/>
/// serialised) replaces them, since negotiated rates and measured throughput beat list figures.
/// </summary>
public sealed class GpuCatalogue
{
    public const string Small = "8b";
    public const string Large = "70b";

    private static readonly JsonSerializerOptions FileJson = new() { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly Dictionary<string, GpuOffer> _offers;

    public GpuCatalogue(IEnumerable<GpuOffer> offers)
    {
        _offers = new Dictionary<string, GpuOffer>(StringComparer.OrdinalIgnoreCase);
        foreach (var offer in offers)
        {
            Check(offer);
            if (!_offers.TryAdd(offer.GpuClass, offer))
            {
                throw new InvalidDataException($"GPU catalogue lists {offer.GpuClass} twice");
            }
        }
    }

    public IReadOnlyCollection<GpuOffer> Offers => _offers.Values;

    public GpuOffer? Find(string gpuClass) => _offers.GetValueOrDefault(gpuClass);

    /// <summary>The offer that serves the size class at the lowest price per token at full throughput.</summary>
    public GpuOffer? CheapestFor(string sizeClass, string currency) =>
        _offers.Values
            .Where(o => o.Currency == currency && o.Throughput.ContainsKey(sizeClass))
            .OrderBy(o => o.HourlyRatePerGpu / o.Throughput[sizeClass].TokensPerSecondPerGpu)
            .ThenBy(o => o.GpuClass, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>
    /// Size class of a model from the parameter count in its name ("llama-3.1-70b-instruct" → 70b):
    /// up to 20B parameters serve like an 8B model on one GPU, larger ones like a 70B model.
    /// Null when the name carries no parameter count (hosted API models).
    /// </summary>
    public static string? SizeClassOf(string model)
    {
        var match = Regex.Match(model, @"(?<![\d.])(\d+(?:\.\d+)?)b(?![a-z])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!match.Success)
        {
            return null;
        }

        return decimal.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) <= 20m ? Small : Large;
    }

    public static GpuCatalogue Load(Stream json, string source)
    {
        var offers = JsonSerializer.Deserialize<List<GpuOffer>>(json, FileJson)
            ?? throw new InvalidDataException($"GPU catalogue {source} is empty");
        try
        {
            return new GpuCatalogue(offers);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"GPU catalogue {source}: {e.Message}", e);
        }
    }

    public static GpuCatalogue LoadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>
    /// Public on-demand prices (RunPod Secure Cloud, one vendor so the classes compare fairly) and
    /// vLLM throughput. 8B: Koyeb's Llama 3.1 8B benchmark at batch 32, a serving concurrency rather
    /// than saturation. 70B: Lambda's vLLM benchmark of Llama 3.1 70B FP8 on two GPUs (320 prompts).
    /// The benchmarks count output tokens; applying them to input + output tokens overstates
    /// self-hosting cost for prefill-heavy traffic, which errs on the side of staying on the API.
    /// No public 70B figure for L40S was found, so it offers the 8B class only.
    /// </summary>
    public static GpuCatalogue Default() => new(
    [
        new("H100", 3.99m, "USD", RunPod, new Dictionary<string, ReplicaThroughput>
        {
            [Small] = new(2_462m, 1, Koyeb8B),
            [Large] = new(1_728m, 2, Lambda70B),
        }),
        new("A100", 1.79m, "USD", RunPod, new Dictionary<string, ReplicaThroughput>
        {
            [Small] = new(1_933m, 1, Koyeb8B),
            [Large] = new(663m, 2, Lambda70B),
        }),
        new("L40S", 0.86m, "USD", "runpod.io/pricing, on-demand L40S, as tabulated in modal.com/blog/nvidia-l40s-price-article (Aug 2025)", new Dictionary<string, ReplicaThroughput>
        {
            [Small] = new(1_124m, 1, Koyeb8B),
        }),
    ]);

    private const string RunPod = "runpod.io/pricing, Secure Cloud on-demand per GPU-hour, read 2026-11-09 (github.com/datareceipts/data-receipts 109-gpu-pricing/vendors.json)";
    private const string Koyeb8B = "Koyeb GPU benchmarks, Llama 3.1 8B, vLLM, batch 32 (via aihardwareindex.com/blog/h100-vs-a100-vs-l40s-the-cost-per-token-analysis)";
    private const string Lambda70B = "github.com/LambdaLabsML/vllm-benchmark benchmark_v0.md, Llama 3.1 70B Instruct FP8, 2 GPUs, vLLM 0.5.4";

    private static void Check(GpuOffer offer)
    {
        if (string.IsNullOrWhiteSpace(offer.GpuClass) || offer.HourlyRatePerGpu <= 0 || offer.Currency is not { Length: 3 } || offer.Throughput is null || offer.Throughput.Count == 0)
        {
            throw new InvalidDataException($"GPU offer '{offer.GpuClass}' needs a class, a positive hourly_rate, an ISO currency and at least one throughput entry");
        }

        foreach (var (size, t) in offer.Throughput)
        {
            if (t.TokensPerSecond <= 0 || t.GpusPerReplica < 1)
            {
                throw new InvalidDataException($"GPU offer {offer.GpuClass}, size class {size}: tokens_per_second must be positive and gpus_per_replica at least 1");
            }
        }
    }
}
