using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using TrueCost.Cli.Infrastructure;
using TrueCost.Ingest.GpuSamples;
using TrueCost.Contracts;
using TrueCost.Contracts.Metrics;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost scrape --target URL…</c>: reads DCGM exporter and vLLM <c>/metrics</c> endpoints every interval,
/// maps each round to GPU samples (one mapper for the whole run, so intervals and token increments follow the
/// series) and produces them to the GPU-sample topic. Prints one line per round. With <c>--once</c> it scrapes
/// one round and exits 1 when a target could not be read or a sample was not delivered.
/// </summary>
public static class ScrapeCommand
{
    private const int ShownDetails = 5;

    private static readonly Option<string[]> Targets = new("--target")
    {
        Description = "A /metrics URL (DCGM exporter, e.g. http://gpu-node-1:9400/metrics; vLLM, e.g. http://gpu-node-1:8000/metrics); repeat for more",
        Required = true,
        AllowMultipleArgumentsPerToken = true,
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string?> Pool = new("--pool")
    {
        Description = $"Pool of GPUs whose labels name none (default: {GpuMetricMapping.Section}:DefaultPool of the configuration)",
    };

    private static readonly Option<string> Interval = new("--interval")
    {
        Description = "Time between rounds: 15s, 1m, 500ms (1s..1h)",
        DefaultValueFactory = _ => "15s",
    };

    private static readonly Option<bool> Once = new("--once") { Description = "Scrape one round, then exit (1 when a target failed)" };

    private static readonly Option<string> TopicPrefix = new("--topic-prefix")
    {
        Description = "Prepended to the topic name, as the pipeline it feeds was started with",
        DefaultValueFactory = _ => string.Empty,
    };

    public static Command Create()
    {
        var command = new Command("scrape", $"Scrape DCGM exporter and vLLM /metrics endpoints into GPU samples on {Topics.GpuSamples}")
        {
            Targets, Pool, Interval, Once, Endpoints.Kafka, TopicPrefix,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var targets = parse.GetValue(Targets)!.Select(TargetUri).ToList();
        var interval = ParseInterval(parse.GetValue(Interval)!);
        var settings = Settings.Load(parse);
        var mapping = Mapping(settings, parse.GetValue(Pool));
        var kafka = settings.Ingest;
        kafka.BootstrapServers = Endpoints.Require(parse, Endpoints.Kafka, "TRUECOST_KAFKA");
        Endpoints.CheckKafka(kafka);
        var topic = parse.GetValue(TopicPrefix) + Topics.GpuSamples;
        Endpoints.CheckTopic(kafka, topic);

        var mapper = new GpuMetricMapper(mapping, TimeProvider.System);
        using var endpoint = new MetricsEndpoint(TimeSpan.FromSeconds(Math.Clamp(interval.TotalSeconds, 1, 10)), TimeProvider.System);
        using var producer = new GpuSampleProducer(kafka, topic);
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                var scrapes = await Task.WhenAll(targets.Select(t => endpoint.ScrapeAsync(t, ct)));
                var result = mapper.Map(scrapes.SelectMany(s => s.Points).ToList());
                var (undelivered, deliveryError) = producer.Produce(result.Samples, ct);
                Print(scrapes, result, undelivered, deliveryError);
                if (parse.GetValue(Once))
                {
                    return scrapes.Any(s => s.Failure is not null) || undelivered > 0 ? 1 : 0;
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped by Ctrl+C or SIGTERM between rounds: every delivered round is complete.
        }

        return 0;
    }

    private static GpuMetricMapping Mapping(Settings settings, string? pool)
    {
        var mapping = settings.Ingest.Otlp.Metrics;
        if (pool is not null)
        {
            mapping.DefaultPool = string.IsNullOrWhiteSpace(pool) ? throw new CliException("--pool is empty; give a pool name or leave the option out") : pool;
        }

        return mapping;
    }

    private static Uri TargetUri(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CliException($"--target '{text}' is not an http(s) URL; write it whole, e.g. http://gpu-node-1:9400/metrics");

    /// <summary>"15s", "1m", "500ms", "1h"; a bare number is seconds.</summary>
    public static TimeSpan ParseInterval(string text)
    {
        var trimmed = text.Trim();
        var (digits, unit) = trimmed.EndsWith("ms", StringComparison.Ordinal) ? (trimmed[..^2], 0.001)
            : trimmed.EndsWith('s') ? (trimmed[..^1], 1.0)
            : trimmed.EndsWith('m') ? (trimmed[..^1], 60.0)
            : trimmed.EndsWith('h') ? (trimmed[..^1], 3600.0)
            : (trimmed, 1.0);
        if (!double.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            || amount * unit is < 1 or > 3600)
        {
            throw new CliException($"--interval '{text}' must be a duration from 1s to 1h, such as 15s, 1m or 500ms");
        }

        return TimeSpan.FromSeconds(amount * unit);
    }

    private static void Print(TargetScrape[] scrapes, GpuMetricMapResult result, int undelivered, string? deliveryError)
    {
        var refused = result.Refusals.Count == 0 ? "0" : $"[red]{result.Refusals.Count}[/]";
        var failed = scrapes.Count(s => s.Failure is not null);
        AnsiConsole.MarkupLine(
            $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}  targets {scrapes.Length - failed}/{scrapes.Length}, " +
            $"samples produced [green]{result.Samples.Count - undelivered}[/], refused {refused}, ignored {result.IgnoredCount}");
        foreach (var s in scrapes.Where(s => s.Failure is not null))
        {
            AnsiConsole.MarkupLine($"  [red]target failed[/] {Markup.Escape(s.Target.ToString())} {Markup.Escape(s.Failure!)}");
        }

        foreach (var s in scrapes.Where(s => s.LineErrors.Count > 0))
        {
            Details($"unreadable lines of {s.Target}", s.LineErrors);
        }

        if (undelivered > 0)
        {
            AnsiConsole.MarkupLine($"  [red]{undelivered} samples not delivered to Kafka[/]: {Markup.Escape(deliveryError ?? "unknown error")}");
        }

        Details("refused", result.Refusals.GroupBy(r => r.Reason).Select(g => g.Count() == 1 ? g.Key : $"{g.Key} (×{g.Count()})").ToList());
        Details("ignored", result.Ignored.OrderByDescending(i => i.Value).Select(i => $"{i.Value} × {i.Key}").ToList());
    }

    private static void Details(string title, IReadOnlyList<string> lines)
    {
        foreach (var line in lines.Take(ShownDetails))
        {
            AnsiConsole.MarkupLine($"  {Markup.Escape(title)}: {Markup.Escape(line)}");
        }

        if (lines.Count > ShownDetails)
        {
            AnsiConsole.MarkupLine($"  {Markup.Escape(title)}: … and {lines.Count - ShownDetails} more");
        }
    }
}
