namespace TrueCost.UnitTests.Contracts;

/// <summary>Finds checked-in files (schemas, examples) from the test's bin folder, wherever the repo is cloned.</summary>
internal static class RepoFiles
{
    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    public static string Root => RootDirectory.Value;

    public static string Schemas => Path.Combine(Root, "schemas");

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
}
