namespace TrueCost.IntegrationTests.Infrastructure;

/// <summary>The checkout the tests run from, for tests that read its files (dashboards, compose files, samples).</summary>
public static class Repository
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The directory holding pipeline.sln.</summary>
    public static string Root => RootPath.Value;

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
