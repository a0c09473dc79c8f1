using System.Text.Json;

namespace TrueCost.UnitTests.Contracts;

/// <summary>
/// The checked-in examples are the contract's specification: schemas/examples/&lt;topic&gt;.v1/valid
/// must pass both the JSON Schema and the C# parser, invalid must fail the parser for the reason
/// listed in invalid-reasons.json, and fail the schema too unless the file name says otherwise:
/// *.parser-only.json — the rule is beyond JSON Schema (compares fields or needs the clock);
/// *.njsonschema-lenient.json — JSON Schema rejects it, but NJsonSchema reads it leniently.
/// </summary>
public class ExampleConformanceTests
{
    private const string ParserOnly = ".parser-only.json";
    private const string NJsonSchemaLenient = ".njsonschema-lenient.json";

    public static TheoryData<string, string> ValidExamples => Examples("valid");

    public static TheoryData<string, string> InvalidExamples => Examples("invalid");

    [Theory]
    [MemberData(nameof(ValidExamples))]
    public async Task Valid_example_passes_its_schema_and_its_parser(string topic, string file)
    {
        var wire = WireTopic.ByName[topic];
        var path = Path.Combine(wire.ExamplesPath, "valid", file);

        Assert.Empty(await wire.SchemaErrors(await File.ReadAllTextAsync(path)));
        var parsed = wire.Parse(await File.ReadAllBytesAsync(path));
        Assert.True(parsed.IsValid, parsed.Error);
    }

    [Theory]
    [MemberData(nameof(InvalidExamples))]
    public async Task Invalid_example_is_rejected_by_the_parser_for_its_listed_reason(string topic, string file)
    {
        var wire = WireTopic.ByName[topic];
        var parsed = wire.Parse(await File.ReadAllBytesAsync(Path.Combine(wire.ExamplesPath, "invalid", file)));

        Assert.False(parsed.IsValid, $"{file} was accepted");
        Assert.Contains(ExpectedReasons(wire)[file], parsed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InvalidExamples))]
    public async Task Invalid_example_is_rejected_by_the_schema_unless_marked_as_beyond_it(string topic, string file)
    {
        var wire = WireTopic.ByName[topic];
        var errors = await wire.SchemaErrors(await File.ReadAllTextAsync(Path.Combine(wire.ExamplesPath, "invalid", file)));

        // The markers are checked both ways, so a schema that learns a rule forces the file to be renamed.
        if (file.EndsWith(ParserOnly, StringComparison.Ordinal) || file.EndsWith(NJsonSchemaLenient, StringComparison.Ordinal))
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.NotEmpty(errors);
        }
    }

    [Fact]
    public void Every_topic_has_at_least_three_valid_and_five_invalid_examples_each_with_a_listed_reason()
    {
        foreach (var wire in WireTopic.ByName.Values)
        {
            var invalid = Files(wire, "invalid");

            Assert.True(Files(wire, "valid").Count >= 3, $"{wire} has fewer than 3 valid examples");
            Assert.True(invalid.Count >= 5, $"{wire} has fewer than 5 invalid examples");
            Assert.Equal(invalid.Order(StringComparer.Ordinal), ExpectedReasons(wire).Keys.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Every_schema_file_belongs_to_a_topic_with_a_parser()
    {
        var schemaNames = Directory.GetFiles(RepoFiles.Schemas, "*.v1.schema.json")
            .Select(f => Path.GetFileName(f)[..^".v1.schema.json".Length]);

        Assert.Equal(WireTopic.ByName.Keys.Order(StringComparer.Ordinal), schemaNames.Order(StringComparer.Ordinal));
    }

    private static TheoryData<string, string> Examples(string kind)
    {
        var data = new TheoryData<string, string>();
        foreach (var wire in WireTopic.ByName.Values)
        {
            foreach (var file in Files(wire, kind))
            {
                data.Add(wire.Name, file);
            }
        }

        return data;
    }

    private static List<string> Files(WireTopic wire, string kind) =>
        [.. Directory.GetFiles(Path.Combine(wire.ExamplesPath, kind), "*.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    private static Dictionary<string, string> ExpectedReasons(WireTopic wire) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllBytes(Path.Combine(wire.ExamplesPath, "invalid-reasons.json")))!;
}
