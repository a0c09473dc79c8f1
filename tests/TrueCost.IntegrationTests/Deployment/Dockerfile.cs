using System.Text.Json;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>A Dockerfile as a list of stages, each a list of instructions (continuation lines joined, comments dropped).</summary>
internal sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerStage> stages) => Stages = stages;

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage Final => Stages[^1];

    public IEnumerable<DockerInstruction> All(string keyword) =>
        Stages.SelectMany(stage => stage.Instructions).Where(i => i.Keyword == keyword);

    public static Dockerfile Parse(string text)
    {
        var stages = new List<DockerStage>();
        foreach (var line in LogicalLines(text))
        {
            var split = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            var instruction = new DockerInstruction(split[0].ToUpperInvariant(), split.Length > 1 ? split[1].Trim() : string.Empty);
            if (instruction.Keyword == "FROM")
            {
                var words = instruction.Arguments.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                    .Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
                var name = words.Count == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                stages.Add(new DockerStage(words[0], name, []));
            }
            else if (stages.Count == 0)
            {
                throw new InvalidOperationException($"Dockerfile: '{line}' comes before the first FROM");
            }
            else
            {
                stages[^1].Instructions.Add(instruction);
            }
        }

        return stages.Count > 0 ? new Dockerfile(stages) : throw new InvalidOperationException("Dockerfile has no FROM");
    }

    private static IEnumerable<string> LogicalLines(string text)
    {
        var current = string.Empty;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }

            yield return current + line;
            current = string.Empty;
        }

        if (current.Length > 0)
        {
            yield return current;
        }
    }
}

internal sealed record DockerStage(string BaseImage, string? Name, List<DockerInstruction> Instructions);

internal sealed record DockerInstruction(string Keyword, string Arguments)
{
    /// <summary>Flags (<c>--from=build</c>) and operands of a shell-form instruction such as COPY.</summary>
    public (IReadOnlyList<string> Flags, IReadOnlyList<string> Operands) Split()
    {
        var words = Arguments.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return (words.Where(w => w.StartsWith("--", StringComparison.Ordinal)).ToList(),
                words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList());
    }

    /// <summary>The MSBuild properties a RUN of <c>dotnet</c> sets (<c>-p:Name=Value</c>, <c>/p:</c>, <c>--property:</c>).</summary>
    public IReadOnlyDictionary<string, string> MsBuildProperties() =>
        Arguments.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(word => word.StartsWith("-p:", StringComparison.Ordinal) || word.StartsWith("/p:", StringComparison.Ordinal) ? word[3..]
                : word.StartsWith("--property:", StringComparison.Ordinal) ? word["--property:".Length..]
                : null)
            .OfType<string>()
            .Select(assignment => assignment.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts.Length > 1 ? parts[1] : string.Empty, StringComparer.OrdinalIgnoreCase);

    /// <summary>The exec (JSON array) form of ENTRYPOINT or CMD.</summary>
    public IReadOnlyList<string> ExecForm() =>
        Arguments.StartsWith('[')
            ? JsonSerializer.Deserialize<List<string>>(Arguments) ?? []
            : throw new InvalidOperationException($"{Keyword} {Arguments} is in shell form; the exec form (a JSON array) passes signals to dotnet");
}
