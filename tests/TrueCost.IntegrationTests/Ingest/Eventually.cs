namespace TrueCost.IntegrationTests.Ingest;

/// <summary>Waits on a condition with a timeout instead of sleeping for a guessed duration.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0} s: {describe()}");
            }

            await Task.Delay(100);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, describe);
}
