using System.Text.Json.Nodes;
using TrueCost.Contracts.LiteLlm;
using TrueCost.Ingest.LiteLlm;
using TrueCost.Ingest.Pipeline;
using TrueCost.UnitTests.Contracts;
using static TrueCost.UnitTests.Contracts.LiteLlm.StandardLoggingPayloads;

namespace TrueCost.UnitTests.Import;

/// <summary>
/// The import's reading and refusing, with payloads the mapper refuses (the producer is never asked to deliver,
/// so no broker is needed; delivery is covered by the LiteLLM integration test).
/// </summary>
public sealed class LiteLlmImporterTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1764936000);
    private readonly string _dir = Directory.CreateTempSubdirectory("litellm-import-").FullName;

    [Fact]
    public void A_json_lines_file_names_each_refused_payload_by_its_line_and_skips_blank_lines()
    {
        var file = Write("spend.jsonl", $"{Teamless("a")}\n\n{Teamless("b")}\r\n   \n");

        var summary = Import(file);

        Assert.Equal((2L, 0L, 2L), (summary.Read, summary.Produced, summary.Refused));
        Assert.Equal(["spend.jsonl line 1: ", "spend.jsonl line 3: "], summary.Refusals.Select(r => r[..(r.IndexOf(':') + 2)]));
        Assert.All(summary.Refusals, r => Assert.Contains("no tenant", r));
    }

    [Fact]
    public void A_json_array_file_names_each_refused_payload_by_its_element()
    {
        var file = Write("spend.json", $"\uFEFF  [\n{Teamless("a")},\n{Teamless("b")},\n{Teamless("c")}\n]");

        var summary = Import(file);

        Assert.Equal((3L, 3L), (summary.Read, summary.Refused));
        Assert.StartsWith("spend.json element 2: LiteLLM payload 'c': no tenant", summary.Refusals[2]);
    }

    [Fact]
    public void A_line_that_is_not_json_is_refused_with_its_line_not_dropped()
    {
        var file = Write("spend.jsonl", $"{Teamless("a")}\n{{\"id\": \"cut-off\"");

        var summary = Import(file);

        Assert.Equal(2, summary.Refused);
        Assert.StartsWith("spend.jsonl line 2: LiteLLM payload is not JSON", summary.Refusals[1]);
    }

    [Fact]
    public void A_file_that_starts_an_array_but_is_not_one_fails_the_import_naming_the_file()
    {
        var file = Write("broken.json", $"[{Teamless("a")},");

        var e = Assert.Throws<LiteLlmFileException>(() => Import(file));

        Assert.StartsWith("LiteLLM file broken.json starts a JSON array but is not one", e.Message);
    }

    [Fact]
    public void Only_the_first_refusals_are_kept_but_every_one_is_counted()
    {
        var file = Write("many.jsonl", string.Join('\n', Enumerable.Range(0, LiteLlmImportSummary.KeptRefusals + 5).Select(i => Teamless($"p{i}"))));

        var summary = Import(file);

        Assert.Equal(LiteLlmImportSummary.KeptRefusals + 5, summary.Refused);
        Assert.Equal(LiteLlmImportSummary.KeptRefusals, summary.Refusals.Count);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LiteLlmImportSummary Import(string file)
    {
        using var importer = new LiteLlmImporter(new IngestOptions { BootstrapServers = "127.0.0.1:9" }, "litellm_spend_logs", new StandardLoggingPayloadMapper(new LiteLlmOptions(), new FixedClock(Now)));
        importer.ImportFile(file);
        return importer.Summary;
    }

    private static string Teamless(string id)
    {
        var node = JsonNode.Parse(OpenAiStreamedWithPromptCache)!.AsObject();
        node["id"] = id;
        node["metadata"]!["user_api_key_team_alias"] = null;
        node["metadata"]!["user_api_key_team_id"] = null;
        return node.ToJsonString();
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
