using System.Net.Http;
using System.Net.Sockets;

namespace TrueCost.DevInfra;

/// <summary>What probing for a Docker engine found: where it looked and why it did or did not answer.</summary>
public sealed record DockerEngineStatus(bool IsAvailable, string Endpoint, string Detail);

/// <summary>
/// Tells whether a Docker engine answers, so callers can choose Testcontainers or fall back.
/// A <c>docker</c> client on the PATH proves nothing (this machine has one and no engine), so the
/// engine's <c>/_ping</c> endpoint is actually called, with a short timeout.
/// </summary>
public static class DockerEngine
{
    private const string DefaultSocket = "/var/run/docker.sock";
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    public static async Task<bool> IsAvailableAsync(CancellationToken ct = default) =>
        (await ProbeAsync(ct)).IsAvailable;

    /// <summary>
    /// Looks where Testcontainers looks first: <c>DOCKER_HOST</c> (unix:// or plain tcp://), else
    /// the default socket. TLS endpoints (<c>DOCKER_TLS_VERIFY</c>) are reported as unavailable
    /// because probing them needs the client certificates; name a broker with TRUECOST_KAFKA there.
    /// </summary>
    public static async Task<DockerEngineStatus> ProbeAsync(CancellationToken ct = default)
    {
        var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (string.IsNullOrWhiteSpace(dockerHost))
        {
            return File.Exists(DefaultSocket)
                ? await PingUnixSocketAsync(DefaultSocket, ct)
                : new DockerEngineStatus(false, DefaultSocket, $"DOCKER_HOST is unset and {DefaultSocket} does not exist");
        }

        if (!Uri.TryCreate(dockerHost, UriKind.Absolute, out var uri))
        {
            return new DockerEngineStatus(false, dockerHost, $"DOCKER_HOST={dockerHost} is not a URI");
        }

        return uri.Scheme switch
        {
            "unix" => File.Exists(uri.AbsolutePath)
                ? await PingUnixSocketAsync(uri.AbsolutePath, ct)
                : new DockerEngineStatus(false, dockerHost, $"DOCKER_HOST names {uri.AbsolutePath}, which does not exist"),
            "tcp" when !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_TLS_VERIFY")) =>
                new DockerEngineStatus(false, dockerHost, "DOCKER_TLS_VERIFY is set; TLS Docker endpoints are not probed"),
            "tcp" => await PingAsync(dockerHost, new UriBuilder("http", uri.Host, uri.Port).Uri, handler: new SocketsHttpHandler(), ct),
            _ => new DockerEngineStatus(false, dockerHost, $"DOCKER_HOST scheme {uri.Scheme} is not supported here"),
        };
    }

    private static Task<DockerEngineStatus> PingUnixSocketAsync(string socketPath, CancellationToken ct)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };

        // The host part is ignored: the connect callback always dials the socket.
        return PingAsync($"unix://{socketPath}", new Uri("http://docker"), handler, ct);
    }

    private static async Task<DockerEngineStatus> PingAsync(string endpoint, Uri engine, SocketsHttpHandler handler, CancellationToken ct)
    {
        using var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = engine, Timeout = PingTimeout };
        try
        {
            using var response = await client.GetAsync(new Uri("/_ping", UriKind.Relative), ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            return response.IsSuccessStatusCode
                ? new DockerEngineStatus(true, endpoint, $"engine answered /_ping with {body.Trim()}")
                : new DockerEngineStatus(false, endpoint, $"engine answered /_ping with HTTP {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new DockerEngineStatus(false, endpoint, $"no answer from {endpoint} within {PingTimeout.TotalSeconds:0} s: {e.Message}");
        }
    }
}
