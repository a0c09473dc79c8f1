using TrueCost.Ledger.Storage;

namespace TrueCost.UnitTests.Ledger;

public class LedgerStoreTests
{
    [Fact]
    public void The_projection_shards_are_the_async_shards_of_the_configured_store()
    {
        using var store = LedgerStore.CreateStore("Host=127.0.0.1;Database=unused", new LedgerOptions());

        Assert.Equal(store.Options.Projections.AllShards().Select(s => s.Name.Identity).Order(), LedgerStore.ProjectionShards.Order());
    }
}
