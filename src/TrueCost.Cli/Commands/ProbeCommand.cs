using System.CommandLine;
using TrueCost.Cli.Infrastructure;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost probe URL</c>: one GET, exit 0 on a 2xx answer within the timeout, else 1. Container health checks
/// run it (<c>truecost probe http://127.0.0.1:8081/healthz</c>) because the runtime image has no curl or wget.
/// </summary>
public static class ProbeCommand
{
    private static readonly Argument<string> Url = new("url") { Description = "The endpoint to ask, e.g. http://127.0.0.1:8081/healthz" };

    private static readonly Option<int> TimeoutSeconds = new("--timeout")
    {
        Description = "Seconds to wait for the answer (1-60); no answer in time counts as unhealthy",
        DefaultValueFactory = _ => 3,
    };

    public static Command Create()
    {
        var command = new Command("probe", "GET a health endpoint: exit 0 on a 2xx answer, 1 on any other answer or none in time (for container health checks)")
        {
            Url, TimeoutSeconds,
        };
        command.SetAction(RunAsync);
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var text = parse.GetValue(Url)!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException($"probe: '{text}' is not an http:// or https:// URL");
        }

        var seconds = parse.GetValue(TimeoutSeconds);
        if (seconds is < 1 or > 60)
        {
            throw new CliException($"--timeout {seconds}: give 1 to 60 seconds");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(seconds) };
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = $"{(int)response.StatusCode} {response.ReasonPhrase} from {url}";
            if (response.IsSuccessStatusCode)
            {
                Console.WriteLine(status);
                return 0;
            }

            await Console.Error.WriteLineAsync(status);
            return 1;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            await Console.Error.WriteLineAsync(e is TaskCanceledException ? $"no answer from {url} within {seconds} s" : $"cannot reach {url}: {e.Message}");
            return 1;
        }
    }
}
