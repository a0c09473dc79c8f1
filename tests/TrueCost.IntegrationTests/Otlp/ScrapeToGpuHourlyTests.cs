using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TrueCost.Contracts;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.IntegrationTests.Reliability;
using TrueCost.Ledger.GpuSamples;
using TrueCost.Ledger.Storage;

namespace TrueCost.IntegrationTests.Otlp;

/// <summary>
/// <c>truecost scrape</c>, the real CLI run as a process, against a GPU node served locally: a DCGM exporter
/// (its default counters plus <c>DCGM_FI_PROF_GR_ENGINE_ACTIVE</c>, two H100s, labels as dcgm-exporter writes them
/// outside Kubernetes) and a vLLM V1 server, each on its own port with /metrics, both reached by the machine's
/// host name as a node-local deployment reaches them (DCGM's <c>Hostname</c> label is the host's name, vLLM names
/// no node, so its points meet the GPUs through the scrape's <c>instance</c>). Every scrape reads the next round
/// of values. The samples go through Kafka and the ingest worker into gpu_hourly.
/// </summary>
[Collection("infrastructure")]
public class ScrapeToGpuHourlyTests(InfrastructureFixture infra)
{
    private const string Pool = "h100-serving";
    private const string Gpu0 = "GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52";
    private const string Gpu1 = "GPU-8b4054a4-c830-20d4-91b2-6e1f0c6a2f17";

    /// <summary>DCGM's blank value of a 64-bit float field: the profiling field read where profiling is unavailable.</summary>
    private const double Fp64Blank = 140737488355328;

    /// <summary>Every CLI run is a new process, so each sample is its GPU's first and gets the documented default interval.</summary>
    private const double FirstSampleIntervalSeconds = 15;

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    /// <summary>What each scrape round serves. In round 3 GPU 1's profiling field is blank, so its coarser GPU_UTIL counts.</summary>
    private static readonly Round[] Rounds =
    [
        new([new(0.612345, 100, 75966, 5113, 512.348), new(0.401, 97, 75966, 5113, 438.112)], new(6, 0, 0.4125, 183_240, 40_112)),
        new([new(0.734, 100, 76010, 5069, 601.5), new(0.288, 88, 75966, 5113, 355.25)], new(9, 2, 0.6875, 190_012, 41_980)),
        new([new(0.15, 31, 61200, 19879, 220.75), new(Fp64Blank, 41, 60116, 20963, 231.0)], new(1, 0, 0.0625, 190_840, 42_201)),
        new([new(0.905, 100, 79320, 1759, 689.9), new(0.677, 100, 78244, 2835, 640.125)], new(14, 5, 0.9375, 201_377, 44_950)),
    ];

    [Fact]
    public async Task Scraping_dcgm_and_vllm_endpoints_with_the_cli_puts_the_pools_busy_share_in_gpu_hourly()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra, partitions: 2);
        await using var node = await GpuNode.StartAsync();
        var host = await pipeline.StartHostAsync();

        foreach (var _ in Rounds)
        {
            var run = await RunScrapeOnceAsync(node, pipeline);
            Assert.True(run.ExitCode == 0, $"truecost scrape exited {run.ExitCode}:\n{run.Output}");
        }

        Assert.Equal((Rounds.Length, Rounds.Length), (node.DcgmScrapes, node.VllmScrapes));
        var counters = PipelineUnderTest.Counters(host, pipeline.Ingest.TopicFor(Topics.GpuSamples));
        var samples = Rounds.Length * 2;
        await Eventually.TrueAsync(() => counters.Processed >= samples, Patience, () => $"ingested {counters.Processed} of {samples} samples");
        Assert.Equal((samples, 0L), (counters.Stored, counters.DeadLettered));
        await host.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(Patience);

        // A sample counts util × interval busy seconds; every interval here is the same.
        var utils = Rounds.SelectMany(r => r.Gpus.Select(Util)).ToList();
        var expectedShare = utils.Sum(u => u * FirstSampleIntervalSeconds / 100) / (utils.Count * FirstSampleIntervalSeconds);
        // By hand: (61.2345 + 40.1 + 73.4 + 28.8 + 15 + 41 + 90.5 + 67.7) / 8 / 100.
        Assert.Equal(0.522168125, expectedShare, 12);

        var pool = await PoolTotalsAsync(pipeline);
        Assert.Equal(samples, pool.Samples);
        Assert.Equal(samples * FirstSampleIntervalSeconds, pool.GpuSeconds, 9);
        Assert.Equal(expectedShare, pool.BusyGpuSeconds / pool.GpuSeconds, 9);
        Assert.Equal(utils.Max(), pool.UtilPeak, 9);
        Assert.Equal(Rounds.SelectMany(r => r.Gpus).Sum(g => g.PowerWatts * FirstSampleIntervalSeconds / 3600), pool.EnergyWh, 9);
        Assert.Equal(Rounds.SelectMany(r => r.Gpus).Max(g => g.FramebufferUsedMiB), pool.FramebufferUsedPeakMiB, 9);

        // vLLM's gauges are the node's, split evenly over its two GPUs; KV-cache usage is the node's as is.
        Assert.Equal(Rounds.Max(r => r.Vllm.KvCacheUsage), pool.KvCachePeak, 9);
        Assert.Equal(Rounds.Max(r => r.Vllm.Waiting / 2), pool.WaitingPeak, 9);
        Assert.Equal(Rounds.Sum(r => r.Vllm.Running * FirstSampleIntervalSeconds), pool.RunningSeconds, 9);

        // A token counter's first point in a process has no earlier point to increase from, so it adds nothing.
        Assert.Equal((0L, 0L), (pool.PromptTokens, pool.GenerationTokens));
        Assert.Equal(new List<(string, string, string)> { (Gpu0, "H100", Dns.GetHostName()), (Gpu1, "H100", Dns.GetHostName()) }, pool.Gpus);
    }

    [Fact]
    public async Task A_scraper_left_running_counts_each_gap_between_scrapes_and_the_tokens_vllm_added_in_it()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra, partitions: 2);
        await using var node = await GpuNode.StartAsync();
        var host = await pipeline.StartHostAsync();
        var counters = PipelineUnderTest.Counters(host, pipeline.Ingest.TopicFor(Topics.GpuSamples));
        var samples = Rounds.Length * 2;

        // After the last round both exporters answer 503, so the scraper produces nothing more until it is stopped.
        using (var scraper = Scraper.Start(node, pipeline, "--interval", "2s"))
        {
            await Eventually.TrueAsync(() => counters.Processed >= samples || scraper.HasExited, Patience, () => $"ingested {counters.Processed} of {samples} samples");
            if (scraper.HasExited)
            {
                Assert.Fail($"truecost scrape stopped early:\n{(await scraper.WaitAsync(Patience)).Output}");
            }
        }

        Assert.Equal((samples, 0L), (counters.Stored, counters.DeadLettered));
        await host.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(Patience);

        // Each GPU's first sample has the default interval; later ones the time since the previous scrape, about 2 s.
        var recorded = await RecordedSamplesAsync(pipeline);
        var byGpu = recorded.GroupBy(r => r.GpuUuid).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Timestamp).ToList());
        Assert.Equal([Gpu0, Gpu1], byGpu.Keys.Order(StringComparer.Ordinal));
        Assert.All(byGpu.Values, g => Assert.Equal(Rounds.Length, g.Count));
        Assert.All(byGpu.Values, g => Assert.Equal(FirstSampleIntervalSeconds, g[0].IntervalSeconds));
        Assert.All(byGpu.Values.SelectMany(g => g.Skip(1)), r => Assert.InRange(r.IntervalSeconds, 1.5, 10));
        Assert.All(byGpu.Values, g => Assert.Equal(g.Skip(1).Select(r => r.IntervalSeconds), g.Zip(g.Skip(1), (a, b) => (b.Timestamp - a.Timestamp).TotalSeconds)));

        // The pool's busy share weighs each served utilization by its sample's interval.
        var weighted = byGpu.SelectMany(g => g.Value.Select((r, round) =>
            (r.IntervalSeconds, Util: Util(Rounds[round].Gpus[g.Key == Gpu0 ? 0 : 1])))).ToList();
        var expectedShare = weighted.Sum(w => w.IntervalSeconds * w.Util / 100) / weighted.Sum(w => w.IntervalSeconds);
        var pool = await PoolTotalsAsync(pipeline);
        Assert.Equal(weighted.Sum(w => w.IntervalSeconds), pool.GpuSeconds, 9);
        Assert.Equal(expectedShare, pool.BusyGpuSeconds / pool.GpuSeconds, 9);

        // Tokens are the counters' increase from the first scrape to the last: 201377 - 183240 prompt, 44950 - 40112 generated.
        Assert.Equal((18_137L, 4_838L), (pool.PromptTokens, pool.GenerationTokens));
        Assert.Equal(Rounds[^1].Vllm.PromptTokensTotal - Rounds[0].Vllm.PromptTokensTotal, pool.PromptTokens);
        Assert.Equal(Rounds[^1].Vllm.GenerationTokensTotal - Rounds[0].Vllm.GenerationTokensTotal, pool.GenerationTokens);
    }

    /// <summary>Utilization is GR_ENGINE_ACTIVE as a percentage, else GPU_UTIL (here: where the profiling field is blank).</summary>
    private static double Util(GpuValues g) => g.GrEngineActive == Fp64Blank ? g.GpuUtil : g.GrEngineActive * 100;

    private static async Task<(int ExitCode, string Output)> RunScrapeOnceAsync(GpuNode node, PipelineUnderTest pipeline)
    {
        using var scraper = Scraper.Start(node, pipeline, "--once");
        return await scraper.WaitAsync(Patience);
    }

    private static async Task<List<RecordedGpuSample>> RecordedSamplesAsync(PipelineUnderTest pipeline)
    {
        using var store = LedgerStore.CreateStore(pipeline.Postgres, pipeline.Ledger);
        await using var session = store.QuerySession();
        var batches = await session.Events.QueryRawEventDataOnly<GpuSamplesRecorded>().ToListAsync();
        return [.. batches.SelectMany(b => b.Samples)];
    }

    private static async Task<PoolTotals> PoolTotalsAsync(PipelineUnderTest pipeline)
    {
        await using var cmd = pipeline.DataSource.CreateCommand($"""
            select gpu_uuid, min(gpu_class), min(node), sum(samples), sum(gpu_seconds), sum(busy_gpu_seconds), max(util_peak),
                   max(kv_cache_peak), max(waiting_peak), sum(running_seconds), max(fb_used_peak_mib), sum(energy_wh),
                   sum(prompt_tokens), sum(generation_tokens)
            from {pipeline.Ledger.Schema}.gpu_hourly where pool = $1 group by gpu_uuid order by gpu_uuid
            """);
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = Pool });
        await using var reader = await cmd.ExecuteReaderAsync();
        var totals = new PoolTotals();
        while (await reader.ReadAsync())
        {
            totals.Gpus.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            totals.Samples += reader.GetInt64(3);
            totals.GpuSeconds += reader.GetDouble(4);
            totals.BusyGpuSeconds += reader.GetDouble(5);
            totals.UtilPeak = Math.Max(totals.UtilPeak, reader.GetDouble(6));
            totals.KvCachePeak = Math.Max(totals.KvCachePeak, reader.GetDouble(7));
            totals.WaitingPeak = Math.Max(totals.WaitingPeak, reader.GetDouble(8));
            totals.RunningSeconds += reader.GetDouble(9);
            totals.FramebufferUsedPeakMiB = Math.Max(totals.FramebufferUsedPeakMiB, reader.GetDouble(10));
            totals.EnergyWh += reader.GetDouble(11);
            totals.PromptTokens += reader.GetInt64(12);
            totals.GenerationTokens += reader.GetInt64(13);
        }

        return totals;
    }

    private sealed record GpuValues(double GrEngineActive, double GpuUtil, double FramebufferUsedMiB, double FramebufferFreeMiB, double PowerWatts);

    private sealed record VllmValues(double Running, double Waiting, double KvCacheUsage, double PromptTokensTotal, double GenerationTokensTotal);

    private sealed record Round(GpuValues[] Gpus, VllmValues Vllm);

    /// <summary>gpu_hourly summed over the pool's hours (a run may straddle an hour), and its GPUs.</summary>
    private sealed class PoolTotals
    {
        public List<(string Uuid, string GpuClass, string Node)> Gpus { get; } = [];
        public long Samples { get; set; }
        public double GpuSeconds { get; set; }
        public double BusyGpuSeconds { get; set; }
        public double UtilPeak { get; set; }
        public double KvCachePeak { get; set; }
        public double WaitingPeak { get; set; }
        public double RunningSeconds { get; set; }
        public double FramebufferUsedPeakMiB { get; set; }
        public double EnergyWh { get; set; }
        public long PromptTokens { get; set; }
        public long GenerationTokens { get; set; }
    }

    /// <summary><c>dotnet truecost.dll scrape</c> against the node's two endpoints, feeding the pipeline's topic.</summary>
    private sealed class Scraper : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;

        private Scraper(Process process)
        {
            _process = process;
            _stdout = process.StandardOutput.ReadToEndAsync();
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public bool HasExited => _process.HasExited;

        public static Scraper Start(GpuNode node, PipelineUnderTest pipeline, params string[] options)
        {
            var info = new ProcessStartInfo(WorkerProcess.DotnetHost())
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                // No ./truecost.json and no TRUECOST_CONFIG: the mapping's defaults are what is tested.
                WorkingDirectory = Path.GetTempPath(),
            };
            info.Environment.Remove("TRUECOST_CONFIG");
            string[] arguments =
            [
                WorkerProcess.CliDllPath, "scrape", "--target", node.DcgmUrl, "--target", node.VllmUrl, "--pool", Pool,
                "--kafka", pipeline.Infra.Kafka.BootstrapServers, "--topic-prefix", pipeline.Ingest.TopicPrefix, .. options,
            ];
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            return new Scraper(Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}"));
        }

        public async Task<(int ExitCode, string Output)> WaitAsync(TimeSpan patience)
        {
            using var deadline = new CancellationTokenSource(patience);
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"truecost scrape did not finish within {patience.TotalSeconds:0} s");
            }

            return (_process.ExitCode, await _stdout + await _stderr);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(30));
            }

            _process.Dispose();
        }
    }

    /// <summary>
    /// The node's two exporters, each a Kestrel server on a free port of every interface (the host name may resolve
    /// to loopback or to the machine's address), answering /metrics with the next round's values.
    /// </summary>
    private sealed class GpuNode : IAsyncDisposable
    {
        private const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";

        private readonly WebApplication _dcgm;
        private readonly WebApplication _vllm;
        private int _dcgmScrapes;
        private int _vllmScrapes;

        private GpuNode()
        {
            _dcgm = Exporter(() => Interlocked.Increment(ref _dcgmScrapes) is var n && n <= Rounds.Length ? Dcgm(Rounds[n - 1]) : null);
            _vllm = Exporter(() => Interlocked.Increment(ref _vllmScrapes) is var n && n <= Rounds.Length ? Vllm(Rounds[n - 1].Vllm) : null);
        }

        /// <summary>Requests answered, the ones after the last round (503) included.</summary>
        public int DcgmScrapes => Volatile.Read(ref _dcgmScrapes);

        public int VllmScrapes => Volatile.Read(ref _vllmScrapes);

        public string DcgmUrl => Url(_dcgm);

        public string VllmUrl => Url(_vllm);

        public static async Task<GpuNode> StartAsync()
        {
            var node = new GpuNode();
            await node._dcgm.StartAsync();
            await node._vllm.StartAsync();
            return node;
        }

        public async ValueTask DisposeAsync()
        {
            await _dcgm.DisposeAsync();
            await _vllm.DisposeAsync();
        }

        /// <summary>An exporter whose /metrics answers <paramref name="body"/>'s text, or 503 when it has none left.</summary>
        private static WebApplication Exporter(Func<string?> body)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(0));
            var app = builder.Build();
            app.MapGet("/metrics", () => body() is { } text ? Results.Text(text, TextFormat) : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
            return app;
        }

        private static string Url(WebApplication app)
        {
            var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            return $"http://{Dns.GetHostName()}:{bound.Port}/metrics";
        }

        /// <summary>dcgm-exporter's text: HELP and TYPE of each counter, then one line per GPU with its identifying labels.</summary>
        private static string Dcgm(Round round)
        {
            (string Name, string Help, Func<GpuValues, double> Value)[] fields =
            [
                ("DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz).", _ => 1980),
                ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", g => g.GpuUtil),
                ("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", g => g.FramebufferFreeMiB),
                ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", g => g.FramebufferUsedMiB),
                ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", g => g.PowerWatts),
                ("DCGM_FI_PROF_GR_ENGINE_ACTIVE", "Ratio of time the graphics engine is active.", g => g.GrEngineActive),
            ];
            (string Uuid, string PciBusId)[] gpus = [(Gpu0, "00000000:18:00.0"), (Gpu1, "00000000:2A:00.0")];
            var text = new StringBuilder();
            foreach (var (name, help, _) in fields)
            {
                text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n");
            }

            foreach (var (name, _, value) in fields)
            {
                for (var i = 0; i < gpus.Length; i++)
                {
                    text.Append(CultureInfo.InvariantCulture,
                        $"{name}{{gpu=\"{i}\",UUID=\"{gpus[i].Uuid}\",pci_bus_id=\"{gpus[i].PciBusId}\",device=\"nvidia{i}\",modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"{Dns.GetHostName()}\",DCGM_FI_DRIVER_VERSION=\"550.90.07\"}} {value(round.Gpus[i])}\n");
                }
            }

            return text.ToString();
        }

        /// <summary>vLLM V1 through prometheus_client: gauges and counters labelled with the served model, values with a decimal point.</summary>
        private static string Vllm(VllmValues v)
        {
            const string Labels = "{engine=\"0\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"}";
            return string.Create(CultureInfo.InvariantCulture, $"""
                # HELP vllm:num_requests_running Number of requests in model execution batches.
                # TYPE vllm:num_requests_running gauge
                vllm:num_requests_running{Labels} {v.Running:0.0}
                # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
                # TYPE vllm:num_requests_waiting gauge
                vllm:num_requests_waiting{Labels} {v.Waiting:0.0}
                # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
                # TYPE vllm:kv_cache_usage_perc gauge
                vllm:kv_cache_usage_perc{Labels} {v.KvCacheUsage}
                # HELP vllm:prompt_tokens_total Number of prefill tokens processed.
                # TYPE vllm:prompt_tokens_total counter
                vllm:prompt_tokens_total{Labels} {v.PromptTokensTotal:0.0}
                # HELP vllm:generation_tokens_total Number of generation tokens processed.
                # TYPE vllm:generation_tokens_total counter
                vllm:generation_tokens_total{Labels} {v.GenerationTokensTotal:0.0}

                """);
        }
    }
}
