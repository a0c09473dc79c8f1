using MailKit.Security;
using MassTransit;

namespace TrueCost.Reporting.Messaging;

public enum ReportingTransport
{
    /// <summary>In-process queues for the embedded run and tests: nothing survives the process.</summary>
    InMemory,
    RabbitMq,
}

/// <summary>The reporting worker's bus, storage, delivery and schedule; bound from configuration section "Reporting".</summary>
public sealed class ReportingBusOptions
{
    public const string Section = "Reporting";

    public ReportingTransport Transport { get; set; } = ReportingTransport.InMemory;

    public RabbitMqConnection RabbitMq { get; set; } = new();

    /// <summary>Where generated reports are written, one subdirectory per week and report.</summary>
    public string OutputDirectory { get; set; } = "truecost-reports";

    public RetryOptions Retry { get; set; } = new();

    /// <summary>Messages each consumer handles at once.</summary>
    public int ConcurrentMessageLimit { get; set; } = 2;

    public DeliveryOptions Delivery { get; set; } = new();

    public ScheduleOptions Schedule { get; set; } = new();

    public RestatementOptions Restatement { get; set; } = new();

    public void Validate()
    {
        if (Transport == ReportingTransport.RabbitMq)
        {
            RabbitMq.Validate();
        }

        if (string.IsNullOrWhiteSpace(OutputDirectory))
        {
            throw new InvalidOperationException("Reporting:OutputDirectory is empty");
        }

        if (ConcurrentMessageLimit is < 1 or > 256)
        {
            throw new InvalidOperationException($"Reporting:ConcurrentMessageLimit {ConcurrentMessageLimit} is outside 1..256");
        }

        Retry.Validate();
        Delivery.Smtp?.Validate();
        Delivery.Webhook?.Validate();
        Schedule.Validate();
        Restatement.Validate();
    }
}

public sealed class RabbitMqConnection
{
    public string Host { get; set; } = "localhost";

    public ushort Port { get; set; } = 5672;

    public string VirtualHost { get; set; } = "/";

    public string Username { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    /// <summary>
    /// Reads <c>amqp://user:pass@host:port/vhost</c> (the form of <c>TRUECOST_RABBITMQ</c>); an empty path or a
    /// bare <c>/</c> is the default virtual host "/", and an escaped one (<c>%2F</c>) is unescaped.
    /// </summary>
    public static RabbitMqConnection FromUri(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("amqp" or "rabbitmq") || parsed.Host.Length == 0)
        {
            throw new FormatException($"'{uri}' is not a RabbitMQ address: expected amqp://user:pass@host:5672/vhost");
        }

        var user = parsed.UserInfo.Split(':', 2);
        var vhost = Uri.UnescapeDataString(parsed.AbsolutePath.TrimStart('/'));
        return new RabbitMqConnection
        {
            Host = parsed.Host,
            Port = parsed.IsDefaultPort || parsed.Port < 0 ? (ushort)5672 : (ushort)parsed.Port,
            VirtualHost = vhost.Length == 0 ? "/" : vhost,
            Username = user[0].Length > 0 ? Uri.UnescapeDataString(user[0]) : "guest",
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "guest",
        };
    }

    public override string ToString() => $"amqp://{Username}@{Host}:{Port}/{Uri.EscapeDataString(VirtualHost)}";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host) || Port == 0 || string.IsNullOrEmpty(VirtualHost))
        {
            throw new InvalidOperationException($"Reporting:RabbitMq needs a host, a port and a virtual host (have {this})");
        }
    }
}

/// <summary>Exponential redelivery inside the consumer; when it is spent the message moves to the endpoint's _error queue.</summary>
public sealed class RetryOptions
{
    public int Limit { get; set; } = 5;

    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxInterval { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan IntervalDelta { get; set; } = TimeSpan.FromSeconds(2);

    public void Apply(IRetryConfigurator retry) => retry.Exponential(Limit, MinInterval, MaxInterval, IntervalDelta);

    public void Validate()
    {
        if (Limit is < 0 or > 50 || MinInterval < TimeSpan.Zero || MaxInterval < MinInterval || IntervalDelta < TimeSpan.Zero)
        {
            throw new InvalidOperationException(
                $"Reporting:Retry needs 0 ≤ Limit ≤ 50 and 0 ≤ MinInterval ≤ MaxInterval (have {Limit}, {MinInterval}, {MaxInterval}, delta {IntervalDelta})");
        }
    }
}

/// <summary>Where a published report goes; each channel is optional and retried on its own.</summary>
public sealed class DeliveryOptions
{
    public SmtpDeliveryOptions? Smtp { get; set; }

    public WebhookDeliveryOptions? Webhook { get; set; }
}

public sealed class SmtpDeliveryOptions
{
    public string Host { get; set; } = "localhost";

    public int Port { get; set; } = 25;

    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "truecost@localhost";

    public List<string> To { get; set; } = [];

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Host) || Port is < 1 or > 65535 || To.Count == 0 || string.IsNullOrWhiteSpace(From))
        {
            throw new InvalidOperationException($"Reporting:Delivery:Smtp needs a host, a port in 1..65535, From and at least one To (have {Host}:{Port}, {To.Count} recipients)");
        }
    }
}

public sealed class WebhookDeliveryOptions
{
    public Uri? Url { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (Url is null || !Url.IsAbsoluteUri || Url.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"Reporting:Delivery:Webhook:Url '{Url}' must be an absolute http(s) address");
        }
    }
}

/// <summary>When the scheduler asks for the previous ISO week's report: a weekday and an hour, in UTC.</summary>
public sealed class ScheduleOptions
{
    public bool Enabled { get; set; } = true;

    public DayOfWeek Day { get; set; } = DayOfWeek.Monday;

    public int Hour { get; set; }

    /// <summary>The first scheduled instant at or after <paramref name="now"/>.</summary>
    public DateTimeOffset NextAtOrAfter(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var candidate = new DateTimeOffset(utc.Year, utc.Month, utc.Day, Hour, 0, 0, TimeSpan.Zero);
        candidate = candidate.AddDays(((int)Day - (int)candidate.DayOfWeek + 7) % 7);
        return candidate >= utc ? candidate : candidate.AddDays(7);
    }

    public void Validate()
    {
        if (Hour is < 0 or > 23 || !Enum.IsDefined(Day))
        {
            throw new InvalidOperationException($"Reporting:Schedule needs a weekday and an hour in 0..23 (have {Day} {Hour})");
        }
    }
}

/// <summary>
/// How allocation changes reach published reports: the relay polls hour_changes every <see cref="PollInterval"/> and
/// publishes up to <see cref="BatchSize"/> rows at a time; a week with a published report is re-issued once no change
/// for it arrived for <see cref="QuietPeriod"/>, or <see cref="MaxDelay"/> after its first change at the latest.
/// </summary>
public sealed class RestatementOptions
{
    /// <summary>Off, hour changes are neither relayed nor restated (another replica may do it).</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    public int BatchSize { get; set; } = 500;

    public TimeSpan QuietPeriod { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    public void Validate()
    {
        if (PollInterval <= TimeSpan.Zero || BatchSize is < 1 or > 10_000 || QuietPeriod < TimeSpan.Zero || MaxDelay < QuietPeriod)
        {
            throw new InvalidOperationException(
                $"Reporting:Restatement needs PollInterval > 0, 1 ≤ BatchSize ≤ 10000 and 0 ≤ QuietPeriod ≤ MaxDelay (have {PollInterval}, {BatchSize}, {QuietPeriod}, {MaxDelay})");
        }
    }
}
