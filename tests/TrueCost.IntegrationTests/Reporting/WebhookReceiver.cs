using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>A local HTTP endpoint on 127.0.0.1 that records every POST and answers with a chosen status code.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string Body, string? ReportId)> _received = new();
    private readonly Task _loop;

    public WebhookReceiver(HttpStatusCode answer)
    {
        Url = new Uri($"http://127.0.0.1:{FreePort()}/hooks/finops/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(() => ServeAsync(answer));
    }

    public Uri Url { get; }

    public IReadOnlyList<(string Body, string? ReportId)> Received => [.. _received];

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }

    private async Task ServeAsync(HttpStatusCode answer)
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using (var reader = new StreamReader(context.Request.InputStream))
            {
                _received.Enqueue((await reader.ReadToEndAsync(), context.Request.Headers["X-TrueCost-Report-Id"]));
            }

            context.Response.StatusCode = (int)answer;
            context.Response.Close();
        }
    }
}
