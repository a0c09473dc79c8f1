using System.Text;
using System.Text.Json.Nodes;
using CsCheck;

namespace TrueCost.UnitTests.Contracts;

/// <summary>
/// Producers send anything. Whatever bytes arrive, a parser must not throw (a throw would stall the
/// partition or skip the DLQ); it either accepts a record that survives a round trip through
/// WireJson and still passes parser and schema, or rejects it with a reason short enough for a header.
/// </summary>
public class MalformedRecordProperties
{
    private const int MaxReasonLength = 1024;

    private static readonly (string Topic, byte[] Value)[] ValidExamples =
    [
        .. WireTopic.ByName.Values.SelectMany(t =>
            Directory.GetFiles(Path.Combine(t.ExamplesPath, "valid"), "*.json").Order(StringComparer.Ordinal).Select(f => (t.Name, File.ReadAllBytes(f)))),
    ];

    /// <summary>Fragments that have broken real parsers: non-finite literals, overflow, bad UTF-8, structure.</summary>
    private static readonly byte[][] Poison =
    [
        .. new[] { "NaN", "-Infinity", "1e400", "-0", "null", "\"", "{", "}", "[]", ",", "\\u0000", "\\ud800", "99999999999999999999999999999", "\"2026-02-30T00:00:00Z\"", "\"\"", "true" }
            .Select(Encoding.UTF8.GetBytes),
        [0xC3, 0x28],
        [0xFF],
        [0xEF, 0xBB, 0xBF],
    ];

    /// <summary>Replacement values for a type swap; each is a wrong type or an edge value for some field.</summary>
    private static readonly Func<JsonNode?>[] Swaps =
    [
        () => null,
        () => JsonValue.Create("x"),
        () => JsonValue.Create(string.Empty),
        () => JsonValue.Create("   "),
        () => JsonValue.Create("NaN"),
        () => JsonValue.Create("2026-11-16T10:00:00+05:30"),
        () => JsonValue.Create(0),
        () => JsonValue.Create(-1),
        () => JsonValue.Create(1.5),
        () => JsonValue.Create(1e300),
        () => JsonValue.Create(long.MaxValue),
        () => JsonValue.Create(true),
        () => new JsonArray(),
        () => new JsonArray(JsonValue.Create(1), null),
        () => new JsonObject(),
        () => new JsonObject { ["amount"] = -5, ["currency"] = "usd" },
    ];

    private static readonly Gen<(string Topic, byte[] Value)> Example = Gen.Int[0, ValidExamples.Length - 1].Select(i => ValidExamples[i]);

    private static readonly Gen<(string Topic, byte[] Value)> ByteMutation =
        Example.SelectMany(e => Gen.Frequency(
            (3, Gen.Int[0, e.Value.Length - 1].Select(Gen.Byte).Select((at, b) => With(e, Splice(e.Value, at, 1, [b])))),
            (2, Gen.Int[0, e.Value.Length - 1].Select(n => With(e, e.Value[..n]))),
            (2, Gen.Int[0, e.Value.Length - 1].Select(Gen.Int[1, 16]).Select((at, n) => With(e, Splice(e.Value, at, n, [])))),
            (2, Gen.Int[0, e.Value.Length].Select(Gen.Byte.Array[1, 8]).Select((at, b) => With(e, Splice(e.Value, at, 0, b)))),
            (3, Gen.Int[0, e.Value.Length].Select(Gen.Int[0, Poison.Length - 1]).Select((at, p) => With(e, Splice(e.Value, at, 0, Poison[p]))))));

    /// <summary>Swaps or removes one field, top-level or nested, keeping the rest of the record well-formed.</summary>
    private static readonly Gen<(string Topic, byte[] Value)> FieldMutation =
        Example.SelectMany(e => Gen.Int[0, 1000].Select(Gen.Int[0, Swaps.Length], Gen.Bool).Select((pick, swap, nested) => With(e, MutateField(e.Value, pick, swap, nested))));

    [Fact]
    public void Random_byte_mutations_and_truncations_never_throw_and_always_end_in_a_clear_verdict() =>
        AssertBothVerdictsSeen(ByteMutation);

    [Fact]
    public void Random_type_swaps_and_removed_fields_never_throw_and_always_end_in_a_clear_verdict() =>
        AssertBothVerdictsSeen(FieldMutation);

    /// <summary>Both branches must actually run, or the property says nothing about the one that did not.</summary>
    private static void AssertBothVerdictsSeen(Gen<(string Topic, byte[] Value)> mutations)
    {
        var (accepted, rejected) = (0, 0);
        mutations.Sample(
            e =>
            {
                if (Verdict(e.Topic, e.Value))
                {
                    Interlocked.Increment(ref accepted);
                }
                else
                {
                    Interlocked.Increment(ref rejected);
                }
            },
            iter: 4000,
            print: Print);

        Assert.True(accepted > 0 && rejected > 0, $"accepted {accepted}, rejected {rejected}");
    }

    /// <summary>True when the parser accepted the value; throws when the verdict breaks the property.</summary>
    private static bool Verdict(string topic, byte[] value)
    {
        var wire = WireTopic.ByName[topic];
        var parsed = wire.Parse(value);
        if (!parsed.IsValid)
        {
            Assert.False(string.IsNullOrWhiteSpace(parsed.Error));
            Assert.True(parsed.Error.Length <= MaxReasonLength, $"reason is {parsed.Error.Length} characters");
            return false;
        }

        var written = wire.Serialize(parsed.Record!);
        var again = wire.Parse(written);
        Assert.True(again.IsValid, again.Error);
        Assert.Equal(Encoding.UTF8.GetString(written), Encoding.UTF8.GetString(wire.Serialize(again.Record!)));
        var schemaErrors = wire.SchemaErrors(Encoding.UTF8.GetString(written)).GetAwaiter().GetResult();
        Assert.True(schemaErrors.Count == 0, $"parser accepted what the schema rejects: {string.Join("; ", schemaErrors)}");
        return true;
    }

    private static byte[] MutateField(byte[] value, int pick, int swap, bool nested)
    {
        var root = JsonNode.Parse(value)!.AsObject();
        var target = root;
        if (nested && root.Select(p => p.Value).OfType<JsonObject>().ToList() is { Count: > 0 } objects)
        {
            target = objects[pick % objects.Count];
        }

        if (target.Count == 0)
        {
            return value;
        }

        var name = target.ElementAt(pick % target.Count).Key;
        if (swap == Swaps.Length)
        {
            target.Remove(name);
        }
        else
        {
            target[name] = Swaps[swap]();
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static byte[] Splice(byte[] value, int at, int remove, byte[] insert) =>
        [.. value[..at], .. insert, .. value[Math.Min(value.Length, at + remove)..]];

    private static (string Topic, byte[] Value) With((string Topic, byte[] Value) example, byte[] value) => (example.Topic, value);

    private static string Print((string Topic, byte[] Value) e) => $"{e.Topic}: {Encoding.UTF8.GetString(e.Value)}";
}
