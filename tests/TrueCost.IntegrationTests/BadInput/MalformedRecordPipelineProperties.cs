using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using TrueCost.Contracts;
using TrueCost.Contracts.Validation;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Synthetic;
using Xunit.Abstractions;

namespace TrueCost.IntegrationTests.BadInput;

/// <summary>
/// Random mutations of valid records on all four topics, through the real pipeline in one run: each
/// record is stored or dead-lettered with a reason, never lost, never both, never twice. Which of the
/// two is decided by the pipeline's own parser, id rule and cross-record rules (currency per account,
/// incident order), replayed here in the order Kafka keeps (one partition a topic), including ids
/// that a mutation made collide.
/// </summary>
[Collection("infrastructure")]
public class MalformedRecordPipelineProperties(InfrastructureFixture infra, ITestOutputHelper output)
{
    private const int Records = 300;
    private const int MaxReasonLength = 1024;

    private static readonly DateTimeOffset Day = new(2026, 11, 18, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>Four or five valid records of every topic, and the field that carries (part of) their id.</summary>
    private static readonly (string Topic, string IdField, byte[] Value)[] Bases =
    [
        .. new RequestLogGenerator(Day, 12, seed: 71, invalidShare: 0).Generate().Take(4).Select(r => (r.Topic, "request_id", r.Value)),
        .. new GpuSampleGenerator(Day, seed: 71, intervalSeconds: 3600).Generate().Take(4).Select(r => (r.Topic, "gpu_uuid", r.Value)),
        // GPU usage, storage, tagged labour and a late credit correction.
        .. new InvoiceLineGenerator(Day).Generate().Where((_, i) => i % 3 == 1).Select(r => (r.Topic, "x_LineId", r.Value)),
        // One of each lifecycle step: opened, resolved, responder joined, mitigated, credit issued.
        .. new IncidentGenerator(Day).Generate().DistinctBy(r => JsonNode.Parse(r.Value)!["type"]!.GetValue<string>()).Select(r => (r.Topic, "record_id", r.Value)),
    ];

    /// <summary>Wrong types and edge values a field may be swapped for.</summary>
    private static readonly Func<JsonNode?>[] Swaps =
    [
        () => null, () => "x", () => string.Empty, () => " ", () => -1, () => 0, () => 1.5, () => 1e300, () => long.MaxValue, () => true,
        () => new JsonArray(), () => new JsonObject(), () => "NaN", () => "2099-01-01T00:00:00Z", () => "1999-01-01T00:00:00Z",
        () => "2026-11-18T10:00:00+05:30", () => "2026-13-45T00:00:00Z", () => new string('z', 300), () => "usd",
    ];

    /// <summary>Fragments that break JSON or its numbers: non-finite literals, overflow, structure, bad UTF-8.</summary>
    private static readonly byte[][] Poison =
    [
        .. new[] { "NaN", "-Infinity", "1e400", "}", "{", "\"", ",", "\\u0000", "\\ud800", "null" }.Select(Encoding.UTF8.GetBytes),
        [0xFF],
        [0xC3, 0x28],
    ];

    private enum Mutation
    {
        None,
        RemoveField,
        SwapValue,
        SwapNestedValue,
        RenameField,
        RepeatField,
        Truncate,
        InsertPoison,
        OverwriteByte,
        Oversize,
    }

    private static readonly Gen<Mutation> Mutations = Gen.Frequency(
        (3, Gen.Const(Mutation.None)),
        (2, Gen.Const(Mutation.RemoveField)),
        (3, Gen.Const(Mutation.SwapValue)),
        (2, Gen.Const(Mutation.SwapNestedValue)),
        (1, Gen.Const(Mutation.RenameField)),
        (1, Gen.Const(Mutation.RepeatField)),
        (2, Gen.Const(Mutation.Truncate)),
        (2, Gen.Const(Mutation.InsertPoison)),
        (2, Gen.Const(Mutation.OverwriteByte)),
        (1, Gen.Const(Mutation.Oversize)));

    private static readonly Gen<(int Base, Mutation Mutation, int Pick, byte Byte)[]> Runs =
        Gen.Select(Gen.Int[0, Bases.Length - 1], Mutations, Gen.Int[0, 1 << 20], Gen.Byte).Array[Records];

    [Fact]
    public async Task Every_randomly_malformed_record_is_stored_or_dead_lettered_never_lost_never_both() =>
        await Runs.SampleAsync(RunAsync, output.WriteLine, iter: 1, threads: 1, print: r => $"{r.Length} mutations: {string.Join(", ", r.Select(m => $"{m.Base}/{m.Mutation}/{m.Pick}/{m.Byte}"))}");

    private async Task RunAsync((int Base, Mutation Mutation, int Pick, byte Byte)[] run)
    {
        var records = run.Select((m, i) => Mutate(i, m.Base, m.Mutation, m.Pick, m.Byte)).ToList();
        var expected = Replay(records);
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra, partitions: 1);
        var host = await pipeline.StartHostAsync(projections: false);

        await pipeline.ProduceAsync(records);
        var counters = Topics.All.ToDictionary(t => t, t => PipelineUnderTest.Counters(host, pipeline.Ingest.TopicFor(t)));
        await Eventually.TrueAsync(() => counters.Values.Sum(c => c.Processed) >= records.Count, Patience, () => $"processed {counters.Values.Sum(c => c.Processed)} of {records.Count}");

        var stored = await TopicVerdicts.StoredIdsAsync(pipeline);
        var summary = new List<string>();
        foreach (var topic in Topics.All)
        {
            var want = expected[topic];
            var dead = pipeline.ReadDeadLetters(topic, want.Rejected.Count, Patience);
            var deadKeys = dead.Select(d => d.Message.Key).ToList();
            Assert.All(dead, d =>
            {
                var reason = Encoding.UTF8.GetString(d.Message.Headers.GetLastBytes(DeadLetterHeaders.Reason));
                Assert.InRange(reason.Trim().Length, 1, MaxReasonLength);
            });

            // Never lost: every record of the topic is accounted for once.
            Assert.Equal(records.Count(r => r.Topic == topic), counters[topic].Stored + counters[topic].DeadLettered + counters[topic].Duplicates);

            // Dead-lettered exactly the rejected ones, each once; stored exactly the accepted ids, each once.
            Assert.Equal(want.Rejected.Order(StringComparer.Ordinal), deadKeys.Order(StringComparer.Ordinal));
            Assert.Equal(want.StoredIds.Order(StringComparer.Ordinal), stored[topic].Order(StringComparer.Ordinal));
            Assert.Equal(want.Duplicates, counters[topic].Duplicates);

            // Never both: no key that reached the DLQ belongs to a stored record.
            Assert.Empty(deadKeys.Intersect(want.StoredKeys, StringComparer.Ordinal));
            summary.Add($"{TopicVerdicts.ShortName(topic)} {records.Count(r => r.Topic == topic)} sent: {stored[topic].Count} stored, {dead.Count} dead-lettered, {want.Duplicates} duplicates");
        }

        var valid = expected.Values.Sum(e => e.StoredIds.Count);
        output.WriteLine($"property run: {records.Count} records ({string.Join(", ", run.GroupBy(m => m.Mutation).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}); {string.Join("; ", summary)}; lost 0, both 0");
        Assert.True(valid > 0 && valid < records.Count, $"{valid} of {records.Count} records were valid: the run must exercise both outcomes");
    }

    /// <summary>What the pipeline must do with each record: the parser's verdict, then the id dedupe, in Kafka's order.</summary>
    private static Dictionary<string, Expected> Replay(List<SyntheticRecord> records)
    {
        var expected = Topics.All.ToDictionary(t => t, _ => new Expected());
        var seen = new Dictionary<(string Topic, string Id), byte[]>();
        var rules = new CrossRecordOracle();
        foreach (var r in records)
        {
            var want = expected[r.Topic];
            var verdict = TopicVerdicts.Of(r.Topic, r.Value);
            if (!verdict.IsValid)
            {
                want.Rejected.Add(r.Key);
            }
            else if (!seen.TryGetValue((r.Topic, verdict.Id!), out var earlier) && !rules.Accepts(r.Topic, r.Value))
            {
                // A rule's rejection gives the id back: the next record with it is judged afresh.
                want.Rejected.Add(r.Key);
            }
            else if (earlier is null)
            {
                seen.Add((r.Topic, verdict.Id!), r.Value);
                want.StoredIds.Add(verdict.Id!);
                want.StoredKeys.Add(r.Key);
            }
            else if (earlier.AsSpan().SequenceEqual(r.Value))
            {
                want.Duplicates++;
            }
            else
            {
                want.Rejected.Add(r.Key);
            }
        }

        return expected;
    }

    /// <summary>Record <paramref name="index"/>: a base record given an id of its own, then one mutation.</summary>
    private static SyntheticRecord Mutate(int index, int baseIndex, Mutation mutation, int pick, byte replacement)
    {
        var (topic, idField, value) = Bases[baseIndex];
        var record = JsonNode.Parse(value)!.AsObject();
        record[idField] = idField == "gpu_uuid" ? $"GPU-prop-{index:D4}" : $"prop-{index:D4}";
        var names = record.Select(p => p.Key).ToList();
        var name = names[pick % names.Count];
        var swap = Swaps[pick / names.Count % Swaps.Length];
        switch (mutation)
        {
            case Mutation.RemoveField:
                record.Remove(name);
                break;
            case Mutation.SwapValue:
                record[name] = swap();
                break;
            case Mutation.SwapNestedValue when record.Select(p => p.Value).OfType<JsonObject>().ToList() is { Count: > 0 } nested:
                var inner = nested[pick % nested.Count];
                if (inner.Count > 0)
                {
                    inner[inner.ElementAt(pick % inner.Count).Key] = swap();
                }

                break;
            case Mutation.RenameField:
                record.Remove(name, out var moved);
                record[name.ToUpperInvariant()] = moved;
                break;
            case Mutation.Oversize:
                record["x_padding"] = new string('p', WireJson.MaxRecordBytes);
                break;
            default:
                break;
        }

        var bytes = Encoding.UTF8.GetBytes(record.ToJsonString());
        bytes = mutation switch
        {
            Mutation.RepeatField => [.. bytes[..^1], .. Encoding.UTF8.GetBytes($",\"{name}\":{record[name]?.ToJsonString() ?? "null"}}}")],
            Mutation.Truncate => bytes[..(pick % bytes.Length)],
            Mutation.InsertPoison => [.. bytes[..(pick % bytes.Length)], .. Poison[pick % Poison.Length], .. bytes[(pick % bytes.Length)..]],
            Mutation.OverwriteByte => [.. bytes[..(pick % bytes.Length)], replacement, .. bytes[((pick % bytes.Length) + 1)..]],
            _ => bytes,
        };
        return new SyntheticRecord(topic, $"prop-{index:D4}", bytes, TopicVerdicts.Of(topic, bytes).IsValid);
    }

    private sealed class Expected
    {
        public List<string> Rejected { get; } = [];

        public List<string> StoredIds { get; } = [];

        public List<string> StoredKeys { get; } = [];

        public int Duplicates { get; set; }
    }
}
