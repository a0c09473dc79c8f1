namespace TrueCost.IntegrationTests.Reporting;

/// <summary>Debian's headless Chromium, run once per call with a throwaway profile and no network chatter.</summary>
public static class Chromium
{
    public const string Binary = "/usr/bin/chromium";

    public static async Task<ExternalProcess.Result> RunAsync(string page, params string[] action)
    {
        var profile = Directory.CreateTempSubdirectory("truecost-chromium-").FullName;
        try
        {
            string[] flags =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--window-size=1400,3000",
            ];
            return await ExternalProcess.RunAsync(Binary, [.. flags, .. action, new Uri(page).AbsoluteUri], TimeSpan.FromMinutes(2));
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
