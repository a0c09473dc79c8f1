using System.Collections.Concurrent;
using System.Text.Json;
using NJsonSchema;
using TrueCost.Contracts.GpuSamples;
using TrueCost.Contracts.Incidents;
using TrueCost.Contracts.InvoiceLines;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Contracts.Validation;

namespace TrueCost.UnitTests.Contracts;

/// <summary>The outcome of a parser, without its record type, so the four topics can share one test.</summary>
internal sealed record Parsed(object? Record, string? Error)
{
    public bool IsValid => Record is not null;
}

/// <summary>One topic's schema, parser and serializer, named like its schema file (request-log → request-log.v1.schema.json).</summary>
internal sealed class WireTopic
{
    /// <summary>The consumer's clock in every contract test; the examples are dated October and November 2026.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    private static readonly ConcurrentDictionary<string, Task<JsonSchema>> Schemas = new();

    public static readonly IReadOnlyDictionary<string, WireTopic> ByName = new[]
    {
        Of("request-log", new RequestLogParser(new FixedClock(Now))),
        Of("gpu-sample", new GpuSampleParser(new FixedClock(Now))),
        Of("invoice-line", new InvoiceLineParser(new FixedClock(Now))),
        Of("incident", new IncidentParser(new FixedClock(Now))),
    }.ToDictionary(t => t.Name);

    private WireTopic(string name, Func<byte[], Parsed> parse, Func<object, byte[]> serialize)
    {
        Name = name;
        Parse = parse;
        Serialize = serialize;
    }

    public string Name { get; }

    public Func<byte[], Parsed> Parse { get; }

    public Func<object, byte[]> Serialize { get; }

    public string SchemaPath => Path.Combine(RepoFiles.Schemas, $"{Name}.v1.schema.json");

    public string ExamplesPath => Path.Combine(RepoFiles.Schemas, "examples", $"{Name}.v1");

    public Task<JsonSchema> Schema() => Schemas.GetOrAdd(Name, _ => JsonSchema.FromFileAsync(SchemaPath));

    /// <summary>The schema's complaints, or "not JSON" when NJsonSchema cannot even read the text.</summary>
    public async Task<IReadOnlyList<string>> SchemaErrors(string json)
    {
        var schema = await Schema();
        try
        {
            return [.. schema.Validate(json).Select(e => $"{e.Kind} at {e.Path}")];
        }
        catch (Newtonsoft.Json.JsonReaderException e)
        {
            return [$"not JSON: {e.Message}"];
        }
    }

    public override string ToString() => Name;

    private static WireTopic Of<T>(string name, IRecordParser<T> parser)
        where T : class =>
        new(
            name,
            bytes => parser.Parse(bytes) is var r && r.IsValid ? new Parsed(r.Record, null) : new Parsed(null, r.Error),
            record => JsonSerializer.SerializeToUtf8Bytes((T)record, WireJson.Options));
}

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
