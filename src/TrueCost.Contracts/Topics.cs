namespace TrueCost.Contracts;

/// <summary>Kafka topic names, one per input source and schema version.</summary>
public static class Topics
{
    public const string RequestLogs = "truecost.request-logs.v1";
    public const string GpuSamples = "truecost.gpu-samples.v1";
    public const string InvoiceLines = "truecost.invoice-lines.v1";
    public const string Incidents = "truecost.incidents.v1";

    public static readonly IReadOnlyList<string> All = [RequestLogs, GpuSamples, InvoiceLines, Incidents];

    public static string DeadLetter(string topic) => topic + ".dlq";
}

/// <summary>Kafka header names written on every dead-lettered record.</summary>
public static class DeadLetterHeaders
{
    public const string Reason = "truecost-dlq-reason";
    public const string SourceTopic = "truecost-source-topic";
    public const string SourcePartition = "truecost-source-partition";
    public const string SourceOffset = "truecost-source-offset";
}
