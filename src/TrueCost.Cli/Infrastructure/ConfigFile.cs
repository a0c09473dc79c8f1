using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace TrueCost.Cli.Infrastructure;

/// <summary>
/// The configuration file as commands that change it (<c>keys</c>, <c>budgets</c>) see it: the file every process
/// reads, parsed as JSON, a section's array found or created, the result bound as a process would bind it before
/// anything is written, and written atomically.
/// </summary>
internal static class ConfigFile
{
    private static readonly JsonSerializerOptions Written = new() { WriteIndented = true };

    /// <summary>The file every process reads (<c>--config</c>, <c>$TRUECOST_CONFIG</c>, else ./truecost.json, created when absent).</summary>
    public static string Path(ParseResult parse) =>
        parse.GetValue(Settings.ConfigFile)?.FullName
        ?? (Environment.GetEnvironmentVariable(Settings.FileVariable) is { Length: > 0 } fromEnvironment
            ? System.IO.Path.GetFullPath(fromEnvironment)
            : System.IO.Path.GetFullPath(Settings.DefaultFile));

    /// <param name="rewrite">The caller will write the file back: comments, which writing would drop, are refused.</param>
    public static JsonObject Read(string file, string entryHint, bool rewrite = true)
    {
        if (!File.Exists(file))
        {
            return [];
        }

        var text = File.ReadAllText(file);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new CliException($"{file} is not valid JSON: {e.Message}");
        }

        try
        {
            JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true }).Dispose();
        }
        catch (JsonException) when (rewrite)
        {
            throw new CliException($"{file} has comments, which rewriting it would drop: add the entry under {entryHint} by hand instead");
        }

        return node as JsonObject ?? throw new CliException($"{file} is not a JSON object");
    }

    /// <summary>The array at <paramref name="section"/>:<paramref name="name"/>, created when absent.</summary>
    public static JsonArray Array(JsonObject root, string section, string name)
    {
        var parent = root;
        foreach (var part in section.Split(':'))
        {
            if (parent[part] is not JsonObject child)
            {
                child = [];
                parent[part] = child;
            }

            parent = child;
        }

        if (parent[name] is not JsonArray array)
        {
            array = [];
            parent[name] = array;
        }

        return array;
    }

    /// <summary>The file's content as configuration, the way processes will bind it.</summary>
    public static IConfiguration AsConfiguration(JsonObject root)
    {
        using var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(root));
        return new ConfigurationBuilder().AddJsonStream(stream).Build();
    }

    public static void Write(string file, JsonObject root)
    {
        var temporary = file + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString(Written) + Environment.NewLine);
        File.Move(temporary, file, overwrite: true);
    }
}
