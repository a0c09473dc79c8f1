using System.Net.Sockets;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using TrueCost.Reporting.Messaging;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>
/// The real RabbitMQ broker on localhost:5672 (Debian's rabbitmq-server; CI installs it). Started once per test
/// run when installed but not running, and stopped again when the run ends; each test gets its own virtual host,
/// so queues, exchanges and error queues are never shared.
/// </summary>
public static class RabbitMqBroker
{
    private const string Server = "/usr/sbin/rabbitmq-server";
    private const string Ctl = "/usr/sbin/rabbitmqctl";
    private static readonly TimeSpan CtlTimeout = TimeSpan.FromSeconds(60);
    private static readonly SemaphoreSlim Starting = new(1, 1);
    private static string? _unavailable;
    private static bool _checked;

    /// <summary>Null when the broker answers and virtual hosts can be made; otherwise why the test cannot run.</summary>
    public static async Task<string?> EnsureRunningAsync()
    {
        await Starting.WaitAsync();
        try
        {
            if (!_checked)
            {
                _unavailable = await StartAsync();
                _checked = true;
            }

            return _unavailable;
        }
        finally
        {
            Starting.Release();
        }
    }

    /// <summary>A fresh virtual host with full rights for guest; its name goes into the bus options.</summary>
    public static async Task<RabbitMqConnection> NewVirtualHostAsync()
    {
        var vhost = $"truecost-test-{Guid.NewGuid():N}";
        await CtlAsync("add_vhost", vhost);
        await CtlAsync("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
        return new RabbitMqConnection { VirtualHost = vhost };
    }

    public static Task DeleteVirtualHostAsync(RabbitMqConnection connection) => CtlAsync("delete_vhost", connection.VirtualHost);

    /// <summary>Ready messages in a queue of the test's virtual host; none when the queue does not exist yet.</summary>
    public static async Task<uint> MessageCountAsync(RabbitMqConnection connection, string queue)
    {
        await using var conn = await Factory(connection).CreateConnectionAsync();
        await using var channel = await conn.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            // MassTransit declares an _error queue when it first moves a message there.
            return 0;
        }
    }

    /// <summary>Puts raw bytes on a queue, as a misbehaving producer would.</summary>
    public static async Task SendRawAsync(RabbitMqConnection connection, string queue, byte[] body, string contentType)
    {
        await using var conn = await Factory(connection).CreateConnectionAsync();
        await using var channel = await conn.CreateChannelAsync();
        await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, new BasicProperties { ContentType = contentType, MessageId = Guid.NewGuid().ToString() }, body);
    }

    private static ConnectionFactory Factory(RabbitMqConnection c) =>
        new() { HostName = c.Host, Port = c.Port, VirtualHost = c.VirtualHost, UserName = c.Username, Password = c.Password };

    private static async Task<string?> StartAsync()
    {
        if (await AnswersAsync())
        {
            return File.Exists(Ctl) ? null : $"RabbitMQ answers on localhost:5672 but {Ctl} is missing, and it is needed to give each test its own virtual host";
        }

        if (!File.Exists(Server))
        {
            return "no RabbitMQ answers on localhost:5672 and rabbitmq-server is not installed (apt-get install -y rabbitmq-server)";
        }

        var log = Path.Combine(Path.GetTempPath(), "truecost-tests-rabbitmq.log");
        var started = await ExternalProcess.StartDetachedAsync($"{Server} -detached", log, CtlTimeout);
        if (started.ExitCode != 0)
        {
            return started.Describe($"{Server} -detached (log: {log})");
        }

        // rabbitmqctl await_startup fails at once while the Erlang node is still coming up; the AMQP port opens last.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await AnswersAsync())
        {
            if (DateTime.UtcNow > deadline)
            {
                return $"rabbitmq-server was started but localhost:5672 did not answer within 90 s (log: {log})";
            }

            await Task.Delay(250);
        }

        var ready = await ExternalProcess.RunAsync(Ctl, ["await_startup"], CtlTimeout);
        if (ready.ExitCode != 0)
        {
            return ready.Describe($"rabbitmqctl await_startup (server log: {log})");
        }

        // Leave the machine as found: stop the broker this run started when the run ends, in the background
        // (in its own session) because a process-exit handler has little time.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            ExternalProcess.RunAsync("/bin/sh", ["-c", $"setsid {Ctl} stop </dev/null >>'{log}' 2>&1 &"], CtlTimeout).Wait(TimeSpan.FromSeconds(2));
        return null;
    }

    private static async Task<bool> AnswersAsync()
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await tcp.ConnectAsync("127.0.0.1", 5672, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task CtlAsync(params string[] args)
    {
        var result = await ExternalProcess.RunAsync(Ctl, args, CtlTimeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(result.Describe($"rabbitmqctl {string.Join(' ', args)}"));
        }
    }
}
