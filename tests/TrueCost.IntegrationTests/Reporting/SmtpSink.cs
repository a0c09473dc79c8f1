using System.Diagnostics;
using System.Net.Sockets;
using MimeKit;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>
/// A real SMTP server on 127.0.0.1: Debian's python3-aiosmtpd with its Maildir handler, so every accepted
/// message lands as an RFC 5322 file the test parses back with MimeKit.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly Process _server;
    private readonly string _root;

    private SmtpSink(Process server, string root, int port)
    {
        _server = server;
        _root = root;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Null when aiosmtpd can run here; otherwise why the test cannot.</summary>
    public static async Task<string?> UnavailableAsync()
    {
        if (!File.Exists(Python))
        {
            return $"{Python} is missing (apt-get install -y python3-aiosmtpd)";
        }

        var probe = await ExternalProcess.RunAsync(Python, ["-c", "import aiosmtpd"], TimeSpan.FromSeconds(30));
        return probe.ExitCode == 0 ? null : "python3-aiosmtpd is not installed (apt-get install -y python3-aiosmtpd)";
    }

    public static async Task<SmtpSink> StartAsync()
    {
        var port = WebhookReceiver.FreePort();
        // The Maildir handler lays out tmp/, new/ and cur/ only when it creates the directory itself.
        var root = Directory.CreateTempSubdirectory("truecost-smtp-").FullName;
        var maildir = Path.Combine(root, "Maildir");
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", maildir })
        {
            info.ArgumentList.Add(arg);
        }

        var server = Process.Start(info) ?? throw new InvalidOperationException("could not start aiosmtpd");
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var sink = new SmtpSink(server, root, port);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await AnswersAsync(port))
        {
            if (server.HasExited || DateTime.UtcNow > deadline)
            {
                await sink.DisposeAsync();
                throw new InvalidOperationException($"aiosmtpd did not listen on 127.0.0.1:{port} within 30 s");
            }

            await Task.Delay(100);
        }

        return sink;
    }

    public IReadOnlyList<MimeMessage> Messages()
    {
        var delivered = Path.Combine(_root, "Maildir", "new");
        return Directory.Exists(delivered) ? [.. Directory.GetFiles(delivered).Select(f => MimeMessage.Load(f))] : [];
    }

    public async ValueTask DisposeAsync()
    {
        if (!_server.HasExited)
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
