using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace TrueCost.DevInfra;

/// <summary>
/// Forwards connections on a local port to one target host:port. It gives the embedded Kafka a
/// stable bootstrap address: the mock's brokers listen on random ports, and <c>set_host_port</c>
/// only rewrites metadata. Clients bootstrap through here, then reach brokers at the addresses
/// metadata advertises.
/// </summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private readonly Task _acceptLoop;
    private int _disposed;

    private TcpForwarder(TcpListener listener, string targetHost, int targetPort, ILogger logger)
    {
        _listener = listener;
        _targetHost = targetHost;
        _targetPort = targetPort;
        _logger = logger;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>host:port to hand to clients.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Listens on 127.0.0.1:<paramref name="listenPort"/> (0 picks a free port) and forwards to the target.</summary>
    public static TcpForwarder Start(int listenPort, string targetHost, int targetPort, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetHost);
        ArgumentOutOfRangeException.ThrowIfNegative(listenPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(listenPort, IPEndPoint.MaxPort);
        var listener = new TcpListener(IPAddress.Loopback, listenPort);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new InvalidOperationException($"cannot listen on 127.0.0.1:{listenPort} to forward to {targetHost}:{targetPort}: {e.Message}", e);
        }

        logger ??= NullLogger.Instance;
        var forwarder = new TcpForwarder(listener, targetHost, targetPort, logger);
        logger.LogInformation("Forwarding {Address} to {TargetHost}:{TargetPort}", forwarder.Address, targetHost, targetPort);
        return forwarder;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        await Task.WhenAll(_connections.Keys);
        _listener.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e)
            {
                _logger.LogWarning("Accepting on {Address} failed: {Reason}", Address, e.Message);
                continue;
            }

            var connection = ForwardAsync(client);
            _connections.TryAdd(connection, 0);
            _ = connection.ContinueWith(done => _connections.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Pumps both directions until either side closes or fails, then closes both: Kafka clients
    /// never half-close, and a client that loses its connection reconnects as it would to a broker.
    /// </summary>
    private async Task ForwardAsync(Socket client)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        using var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (client)
        {
            client.NoDelay = true;
            try
            {
                await upstream.ConnectAsync(_targetHost, _targetPort, connection.Token);
            }
            catch (SocketException e)
            {
                _logger.LogWarning("{Address} could not reach {TargetHost}:{TargetPort}: {Reason}", Address, _targetHost, _targetPort, e.Message);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var toTarget = PumpAsync(client, upstream, connection.Token);
            var toClient = PumpAsync(upstream, client, connection.Token);
            await Task.WhenAny(toTarget, toClient);
            await connection.CancelAsync();
            await Task.WhenAll(toTarget, toClient);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, ct);
                if (read == 0)
                {
                    return;
                }

                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, ct);
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either side closing or the forwarder stopping ends this direction; the caller closes both.
        }
    }
}
