using System.Net;
using System.Net.Sockets;
using TrueCost.IntegrationTests.Reliability;
using TrueCost.IntegrationTests.Reporting;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>
/// <c>truecost probe</c> is every container's health check: it must say healthy only on a 2xx answer, and unhealthy
/// (exit 1, with the reason) on an error status, a refused connection or no answer in time — against a real HTTP server.
/// </summary>
public sealed class ProbeCommandTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_2xx_answer_is_healthy()
    {
        using var server = HealthServer.Start();
        var probe = await ProbeAsync($"{server.Root}readyz");

        Assert.True(probe.ExitCode == 0, probe.Describe("truecost probe"));
        Assert.Contains("200", probe.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_503_answer_is_unhealthy_and_named()
    {
        using var server = HealthServer.Start();
        var probe = await ProbeAsync($"{server.Root}unavailable");

        Assert.Equal(1, probe.ExitCode);
        Assert.Contains("503", probe.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_listener_is_unhealthy()
    {
        var probe = await ProbeAsync($"http://127.0.0.1:{HealthServer.FreePort()}/readyz");

        Assert.Equal(1, probe.ExitCode);
        Assert.Contains("cannot reach", probe.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_answer_within_the_timeout_is_unhealthy()
    {
        using var server = HealthServer.Start();
        var probe = await ProbeAsync($"{server.Root}hang", "--timeout", "1");

        Assert.Equal(1, probe.ExitCode);
        Assert.Contains("no answer", probe.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_url_that_is_not_http_is_refused_as_a_usage_error()
    {
        var probe = await ProbeAsync("tcp://127.0.0.1:5432");

        Assert.Equal(2, probe.ExitCode);
        Assert.Contains("not an http", probe.Stdout + probe.Stderr, StringComparison.Ordinal);
    }

    private static Task<ExternalProcess.Result> ProbeAsync(params string[] arguments) =>
        ExternalProcess.RunAsync(WorkerProcess.DotnetHost(), [WorkerProcess.CliDllPath, "probe", .. arguments], RunTimeout);

    /// <summary>A real HTTP server on loopback: /readyz answers 200, /hang never answers while it runs, anything else 503.</summary>
    private sealed class HealthServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<HttpListenerContext> _hanging = [];

        private HealthServer(string root)
        {
            Root = root;
            _listener.Prefixes.Add(root);
            _listener.Start();
        }

        public string Root { get; }

        public static HealthServer Start()
        {
            var server = new HealthServer($"http://127.0.0.1:{FreePort()}/");
            _ = server.ServeAsync();
            return server;
        }

        /// <summary>A loopback port nothing listens on once this returns.</summary>
        public static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public void Dispose()
        {
            lock (_hanging)
            {
                _hanging.ForEach(c => c.Response.Abort());
            }

            _listener.Close();
        }

        private async Task ServeAsync()
        {
            while (true)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    // Closed by Dispose.
                    return;
                }

                if (context.Request.Url?.AbsolutePath == "/hang")
                {
                    lock (_hanging)
                    {
                        _hanging.Add(context);
                    }

                    continue;
                }

                context.Response.StatusCode = context.Request.Url?.AbsolutePath == "/readyz" ? (int)HttpStatusCode.OK : (int)HttpStatusCode.ServiceUnavailable;
                context.Response.Close();
            }
        }
    }
}
