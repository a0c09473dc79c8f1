using System.Text.Json;
using System.Text.Json.Serialization;
using Confluent.Kafka;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// How every TrueCost Kafka client (ingest consumers, dead-letter and source producers, admin checks, the OTLP receiver)
/// authenticates and encrypts; section <c>Ingest:Kafka</c>. Passwords come from the environment
/// (<c>Ingest__Kafka__SaslPassword</c>) or a file (<c>SaslPasswordFile</c>, e.g. a mounted secret), never a command line.
/// </summary>
public sealed class KafkaSecurityOptions
{
    public SecurityProtocol SecurityProtocol { get; set; } = SecurityProtocol.Plaintext;

    /// <summary>PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (<c>Plain</c>, <c>ScramSha256</c>, <c>ScramSha512</c>); required with a SASL protocol.</summary>
    public SaslMechanism? SaslMechanism { get; set; }

    public string? SaslUsername { get; set; }

    /// <summary>Never printed: <c>truecost config check</c> shows it as <c>(set)</c>.</summary>
    [JsonConverter(typeof(Redacted))]
    public string? SaslPassword { get; set; }

    /// <summary>A file holding the SASL password (its surrounding whitespace is ignored).</summary>
    public string? SaslPasswordFile { get; set; }

    /// <summary>PEM file of the CA that signed the brokers' certificates (default: the system's CAs).</summary>
    public string? SslCaLocation { get; set; }

    /// <summary>Client certificate and key (PEM) for brokers that require mutual TLS.</summary>
    public string? SslCertificateLocation { get; set; }

    public string? SslKeyLocation { get; set; }

    private bool UsesSasl => SecurityProtocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl;

    private bool UsesTls => SecurityProtocol is SecurityProtocol.Ssl or SecurityProtocol.SaslSsl;

    public void Validate()
    {
        if (UsesSasl)
        {
            if (SaslMechanism is null or Confluent.Kafka.SaslMechanism.Gssapi or Confluent.Kafka.SaslMechanism.OAuthBearer)
            {
                throw new InvalidOperationException($"Ingest:Kafka:SaslMechanism must be Plain, ScramSha256 or ScramSha512 with SecurityProtocol {SecurityProtocol}");
            }

            if (string.IsNullOrWhiteSpace(SaslUsername))
            {
                throw new InvalidOperationException($"Ingest:Kafka:SaslUsername is empty with SecurityProtocol {SecurityProtocol}");
            }

            if (string.IsNullOrEmpty(SaslPassword) == string.IsNullOrEmpty(SaslPasswordFile))
            {
                throw new InvalidOperationException("Ingest:Kafka: set exactly one of SaslPassword (from the environment) and SaslPasswordFile");
            }
        }
        else if (SaslMechanism is not null || SaslUsername is not null || SaslPassword is not null || SaslPasswordFile is not null)
        {
            throw new InvalidOperationException($"Ingest:Kafka sets SASL credentials but SecurityProtocol is {SecurityProtocol}: use SaslPlaintext or SaslSsl, or remove them");
        }

        if (!UsesTls && (SslCaLocation ?? SslCertificateLocation ?? SslKeyLocation) is not null)
        {
            throw new InvalidOperationException($"Ingest:Kafka sets TLS files but SecurityProtocol is {SecurityProtocol}: use Ssl or SaslSsl, or remove them");
        }

        if ((SslCertificateLocation is null) != (SslKeyLocation is null))
        {
            throw new InvalidOperationException("Ingest:Kafka: SslCertificateLocation and SslKeyLocation go together (mutual TLS)");
        }

        foreach (var (key, path) in new[] { ("SaslPasswordFile", SaslPasswordFile), ("SslCaLocation", SslCaLocation), ("SslCertificateLocation", SslCertificateLocation), ("SslKeyLocation", SslKeyLocation) })
        {
            if (path is not null && !File.Exists(path))
            {
                throw new InvalidOperationException($"Ingest:Kafka:{key} {path} does not exist");
            }
        }
    }

    /// <summary>Sets the broker address and these settings on a client's configuration.</summary>
    public T Apply<T>(T config, string bootstrapServers) where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        config.BootstrapServers = bootstrapServers;
        config.SecurityProtocol = SecurityProtocol;
        if (UsesSasl)
        {
            config.SaslMechanism = SaslMechanism;
            config.SaslUsername = SaslUsername;
            config.SaslPassword = SaslPassword ?? File.ReadAllText(SaslPasswordFile!).Trim();
        }

        if (UsesTls)
        {
            config.SslCaLocation = SslCaLocation;
            config.SslCertificateLocation = SslCertificateLocation;
            config.SslKeyLocation = SslKeyLocation;
        }

        return config;
    }

    /// <summary>Writes a secret as <c>(set)</c>; reading one from JSON is not supported.</summary>
    private sealed class Redacted : JsonConverter<string>
    {
        public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("secrets are read from configuration, not deserialized");

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue("(set)");
    }
}
