using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.UnitTests.Ingest;

public sealed class KafkaSecurityOptionsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("truecost-kafka-");

    [Fact]
    public void Sasl_over_tls_from_configuration_reaches_every_kind_of_client_with_the_password_read_from_its_file()
    {
        var passwordFile = Path.Combine(_dir.FullName, "sasl-password");
        var ca = Path.Combine(_dir.FullName, "ca.pem");
        File.WriteAllText(passwordFile, "s3cret\n");
        File.WriteAllText(ca, "-----BEGIN CERTIFICATE-----\n");
        var ingest = Bind(new Dictionary<string, string?>
        {
            ["Ingest:BootstrapServers"] = "kafka-1:9093,kafka-2:9093",
            ["Ingest:Kafka:SecurityProtocol"] = "SaslSsl",
            ["Ingest:Kafka:SaslMechanism"] = "ScramSha512",
            ["Ingest:Kafka:SaslUsername"] = "truecost",
            ["Ingest:Kafka:SaslPasswordFile"] = passwordFile,
            ["Ingest:Kafka:SslCaLocation"] = ca,
        });

        ingest.Validate();
        ClientConfig[] clients = [ingest.Client(new ConsumerConfig()), ingest.Client(new AdminClientConfig()), SourceProducerConfig.Create(ingest, "t", lingerMs: 5)];

        Assert.All(clients, c =>
        {
            Assert.Equal("kafka-1:9093,kafka-2:9093", c.BootstrapServers);
            Assert.Equal(SecurityProtocol.SaslSsl, c.SecurityProtocol);
            Assert.Equal(SaslMechanism.ScramSha512, c.SaslMechanism);
            Assert.Equal("truecost", c.SaslUsername);
            Assert.Equal("s3cret", c.SaslPassword);
            Assert.Equal(ca, c.SslCaLocation);
        });
    }

    [Fact]
    public void By_default_clients_connect_in_plaintext_with_no_credentials()
    {
        var ingest = Bind(new Dictionary<string, string?> { ["Ingest:BootstrapServers"] = "127.0.0.1:9092" });

        ingest.Validate();
        var config = ingest.Client(new ProducerConfig());

        Assert.Equal(SecurityProtocol.Plaintext, config.SecurityProtocol);
        Assert.Null(config.SaslUsername);
        Assert.Null(config.SaslPassword);
    }

    [Theory]
    [InlineData("SaslSsl", null, "truecost", "pw", null, "SaslMechanism must be Plain, ScramSha256 or ScramSha512")]
    [InlineData("SaslPlaintext", "Plain", null, "pw", null, "SaslUsername is empty")]
    [InlineData("SaslPlaintext", "Plain", "truecost", null, null, "exactly one of SaslPassword")]
    [InlineData("Plaintext", null, "truecost", null, null, "sets SASL credentials but SecurityProtocol is Plaintext")]
    [InlineData("SaslSsl", "Plain", "truecost", null, "/nonexistent/sasl-password", "SaslPasswordFile /nonexistent/sasl-password does not exist")]
    public void A_setting_that_cannot_work_is_refused_at_start_with_its_key(string protocol, string? mechanism, string? user, string? password, string? passwordFile, string expected)
    {
        var ingest = Bind(new Dictionary<string, string?>
        {
            ["Ingest:BootstrapServers"] = "kafka:9093",
            ["Ingest:Kafka:SecurityProtocol"] = protocol,
            ["Ingest:Kafka:SaslMechanism"] = mechanism,
            ["Ingest:Kafka:SaslUsername"] = user,
            ["Ingest:Kafka:SaslPassword"] = password,
            ["Ingest:Kafka:SaslPasswordFile"] = passwordFile,
        });

        var refusal = Assert.Throws<InvalidOperationException>(ingest.Validate);

        Assert.Contains(expected, refusal.Message, StringComparison.Ordinal);
        Assert.StartsWith("Ingest:Kafka", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_password_is_never_printed_with_the_effective_configuration()
    {
        var ingest = Bind(new Dictionary<string, string?>
        {
            ["Ingest:Kafka:SecurityProtocol"] = "SaslPlaintext",
            ["Ingest:Kafka:SaslMechanism"] = "Plain",
            ["Ingest:Kafka:SaslUsername"] = "truecost",
            ["Ingest:Kafka:SaslPassword"] = "hunter2-from-the-environment",
        });

        var printed = System.Text.Json.JsonSerializer.Serialize(ingest);

        Assert.DoesNotContain("hunter2", printed, StringComparison.Ordinal);
        Assert.Contains("\"SaslPassword\":\"(set)\"", printed, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private static IngestOptions Bind(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(IngestOptions.Section).Get<IngestOptions>()!;
}
