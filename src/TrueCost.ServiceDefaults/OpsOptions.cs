namespace TrueCost.ServiceDefaults;

/// <summary>
/// How a process shows itself to operators; configuration section <c>Ops</c> (<c>Ops__Urls</c>, <c>Ops__LogFormat</c>, …),
/// with <c>--ops-urls</c> and <c>--log-format</c> overriding it on the command line.
/// </summary>
public sealed class OpsOptions
{
    public const string Section = "Ops";

    /// <summary>
    /// Where a worker (ingest, projector, report-worker) serves <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>,
    /// ';'-separated (<c>http://0.0.0.0:9464</c>); none when unset. The API and the OTLP receiver serve them on their own listener.
    /// </summary>
    public string? Urls { get; set; }

    /// <summary>Console logs as single lines of text (<c>Simple</c>, the default) or one JSON object per line (<c>Json</c>).</summary>
    public LogFormat LogFormat { get; set; } = LogFormat.Simple;

    /// <summary>How often gauges that need a database query (projection and allocation lag, unpriced share) are read.</summary>
    public TimeSpan GaugeInterval { get; set; } = TimeSpan.FromSeconds(15);

    public IReadOnlyList<string> UrlList => Urls is { Length: > 0 } urls ? urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];

    /// <exception cref="InvalidOperationException">A value is refused, with its key and the reason.</exception>
    public void Validate()
    {
        foreach (var url in UrlList)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new InvalidOperationException($"Ops:Urls '{url}' is not an http:// or https:// address such as http://0.0.0.0:9464");
            }
        }

        if (!Enum.IsDefined(LogFormat))
        {
            throw new InvalidOperationException($"Ops:LogFormat '{LogFormat}' is not one of {string.Join(", ", Enum.GetNames<LogFormat>())}");
        }

        if (GaugeInterval < TimeSpan.FromSeconds(1) || GaugeInterval > TimeSpan.FromMinutes(10))
        {
            throw new InvalidOperationException($"Ops:GaugeInterval {GaugeInterval} is outside 00:00:01 to 00:10:00");
        }
    }
}

public enum LogFormat
{
    Simple,
    Json,
}
