using TrueCost.Ledger.Incidents;

namespace TrueCost.UnitTests.Ledger;

public sealed class AffectedScopeTests
{
    [Fact]
    public void A_hand_written_scope_without_some_lists_restricts_only_by_the_lists_it_has()
    {
        var scope = IncidentRow.ParseAffected("""{"routes": ["/chat"], "tenants": ["acme"]}""");

        Assert.Empty(scope.Models);
        Assert.Empty(scope.Pools);
        Assert.True(scope.Covers("/chat", "acme", "gpt-4o", "l40s-pool"));
        Assert.False(scope.Covers("/search", "acme", "gpt-4o", "l40s-pool"));
    }

    [Fact]
    public void A_scope_as_the_projection_writes_it_reads_back_unchanged()
    {
        var scope = IncidentRow.ParseAffected("""{"Routes": [], "Tenants": ["globex"], "Models": ["llama-3-70b"], "Pools": ["h100-pool"]}""");

        Assert.Equal(["globex"], scope.Tenants);
        Assert.Equal(["llama-3-70b"], scope.Models);
        Assert.Equal(["h100-pool"], scope.Pools);
        Assert.False(scope.Covers("/chat", "globex", "gpt-4o", "h100-pool"));
    }

    [Fact]
    public void An_empty_or_null_scope_covers_everything()
    {
        Assert.True(IncidentRow.ParseAffected("{}").Covers("/chat", "acme", "gpt-4o", "l40s-pool"));
        Assert.True(IncidentRow.ParseAffected("null").Covers("/chat", "acme", "gpt-4o", "l40s-pool"));
    }
}
