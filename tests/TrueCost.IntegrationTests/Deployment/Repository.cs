using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using TrueCost.Api;

namespace TrueCost.IntegrationTests.Deployment;

/// <summary>The repository the deployment files live in, and what its code reads from a deployment's environment.</summary>
internal static partial class Repository
{
    private static readonly Lazy<string> RootDirectory = new(FindRoot);
    private static readonly Lazy<IReadOnlySet<string>> VariablesRead = new(() => SourceFiles("src", "*.cs")
        .SelectMany(file => EnvironmentVariableLiteral().Matches(File.ReadAllText(file)).Select(m => m.Groups["name"].Value))
        .ToHashSet(StringComparer.Ordinal));

    public static string Root => RootDirectory.Value;

    /// <summary>The <c>TRUECOST_*</c> variables some source file in src/ names.</summary>
    public static IReadOnlySet<string> EnvironmentVariablesRead => VariablesRead.Value;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static IEnumerable<string> SourceFiles(string relativeDirectory, string pattern) =>
        Directory.EnumerateFiles(Path.Combine(Root, relativeDirectory), pattern, SearchOption.AllDirectories)
            .Where(file => !file.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    /// <summary>
    /// Every variable a deployment sets is either a <c>TRUECOST_*</c> variable the code reads or a configuration key
    /// (<c>Api__Keys__0__Name</c>); the API's keys must bind to <see cref="ApiOptions"/> and pass its validation, so a
    /// misspelt key name fails here rather than at start. <paramref name="environment"/> holds the values the
    /// deployment gives, with a stand-in for those it takes from a secret.
    /// </summary>
    public static void AssertEnvironmentIsRead(string where, IReadOnlyDictionary<string, string> environment)
    {
        Assert.Contains("TRUECOST_POSTGRES", EnvironmentVariablesRead);
        foreach (var (name, value) in environment)
        {
            Assert.False(string.IsNullOrWhiteSpace(value), $"{where} sets {name} to an empty value");
            Assert.True(
                EnvironmentVariablesRead.Contains(name) || name.StartsWith(ApiOptions.Section + "__", StringComparison.Ordinal),
                $"{where} sets {name}, which is neither a TRUECOST_ variable a source file in src/ reads ({string.Join(", ", EnvironmentVariablesRead.Order(StringComparer.Ordinal))}) nor a key of the {ApiOptions.Section} section");
        }

        var api = environment.Where(kv => kv.Key.StartsWith(ApiOptions.Section + "__", StringComparison.Ordinal)).ToList();
        if (api.Count == 0)
        {
            return;
        }

        var given = api.Select(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal)).ToList();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(given.Zip(api, (key, kv) => KeyValuePair.Create(key, (string?)kv.Value)))
            .Build();
        var options = ApiOptions.Bind(configuration);
        var error = Record.Exception(options.Validate);
        Assert.True(error is null, $"{where}: the API keys it configures ({string.Join(", ", given)}) do not bind: {error?.Message}");

        // A misspelt optional key (Tenantt) binds to nothing and would go unnoticed: every key given must be one bound.
        var bound = options.Keys.SelectMany((key, i) => new[] { $"Api:Keys:{i}:Name", $"Api:Keys:{i}:KeyHash", key.Tenant is null ? null : $"Api:Keys:{i}:Tenant" })
            .OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var key in given)
        {
            Assert.True(bound.Contains(key), $"{where} sets {key}, which no property of {nameof(ApiOptions)} takes (bound: {string.Join(", ", bound)})");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no pipeline.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex("\"(?<name>TRUECOST_[A-Z0-9_]+)\"")]
    private static partial Regex EnvironmentVariableLiteral();
}
