using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using TrueCost.Api.Auth;
using TrueCost.Api.Explorer;

namespace TrueCost.UnitTests.Explorer;

public sealed class ExplorerViewTests
{
    private static readonly Caller Admin = new("finops", null);
    private static readonly Caller Acme = new("acme-portal", "acme");
    private static readonly DateTimeOffset LatestHour = new(2026, 11, 16, 23, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 15, 20, 0, TimeSpan.Zero);

    private static ExplorerView Parse(string query, Caller? caller = null, DateTimeOffset? latest = null) =>
        ExplorerView.Parse(new QueryCollection(QueryHelpers(query)), caller ?? Admin, latest ?? LatestHour, Now);

    private static Dictionary<string, StringValues> QueryHelpers(string query) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query);

    [Fact]
    public void The_default_view_is_the_seven_UTC_days_ending_with_the_last_day_that_has_cost_grouped_by_route_per_day()
    {
        var view = Parse("");

        Assert.Equal(new DateTimeOffset(2026, 11, 10, 0, 0, 0, TimeSpan.Zero), view.From);
        Assert.Equal(new DateTimeOffset(2026, 11, 17, 0, 0, 0, TimeSpan.Zero), view.To);
        Assert.Equal(Grain.Day, view.Grain);
        Assert.Equal(ExplorerDimension.Route, view.GroupBy);
        Assert.Empty(view.Problems);
        Assert.Equal(new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero), view.PreviousFrom);
    }

    [Fact]
    public void An_empty_ledger_defaults_to_the_week_ending_with_today()
    {
        var view = ExplorerView.Parse(new QueryCollection(), Admin, null, Now);

        Assert.Equal(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero), view.To);
    }

    [Fact]
    public void A_view_read_from_its_own_query_is_the_same_view()
    {
        var view = Parse("from=2026-11-02T06:00Z&to=2026-11-09&grain=hour&group_by=serving_mode&route=%2Fchat&model=gpt-4o%20mini&traffic_class=batch");

        var again = Parse(view.Query());

        Assert.Equal((view.From, view.To, view.Grain, view.GroupBy), (again.From, again.To, again.Grain, again.GroupBy));
        Assert.Equal(view.Filters.OrderBy(f => f.Key), again.Filters.OrderBy(f => f.Key));
        Assert.Equal("/chat", again.Filter(ExplorerDimension.Route));
        Assert.Equal("gpt-4o mini", again.Filter(ExplorerDimension.Model));
    }

    [Theory]
    [InlineData("from=yesterday", "from 'yesterday' is not a UTC day")]
    [InlineData("from=2026-11-20&to=2026-11-10", "is not before to")]
    [InlineData("grain=minute", "grain 'minute' is not hour, day or week")]
    [InlineData("group_by=provider", "group_by 'provider' is not one of route, tenant, model, traffic_class, serving_mode")]
    [InlineData("from=2026-11-16T08:30Z", "is not the start of a UTC hour")]
    [InlineData("from=2025-01-01&to=2026-11-17", "more than the 400")]
    [InlineData("from=2026-09-01&to=2026-11-17&grain=hour", "hourly charts cover at most 31 days")]
    public void A_value_that_cannot_be_read_is_named_and_replaced_by_a_default(string query, string problem)
    {
        var view = Parse(query);

        Assert.Contains(view.Problems, p => p.Contains(problem, StringComparison.Ordinal));
        Assert.True(view.From < view.To);
        Assert.True(view.To - view.From <= TimeSpan.FromDays(400));
        Assert.False(view.Grain == Grain.Hour && view.To - view.From > TimeSpan.FromDays(31));
    }

    [Fact]
    public void A_tenant_key_always_sees_its_own_tenant_whatever_the_url_asks()
    {
        var asked = Parse("tenant=globex&group_by=tenant", Acme);
        var unasked = Parse("", Acme);

        Assert.Equal("acme", asked.Filter(ExplorerDimension.Tenant));
        Assert.Contains(asked.Problems, p => p.Contains("scoped to tenant acme", StringComparison.Ordinal));
        Assert.Equal("acme", unasked.Filter(ExplorerDimension.Tenant));
        Assert.DoesNotContain("globex", asked.Query(), StringComparison.Ordinal);
    }

    [Fact]
    public void Drilling_into_a_route_splits_it_by_model_and_anything_else_by_route()
    {
        Assert.Equal(ExplorerDimension.Model, ExplorerDimension.Route.DrillInto());
        Assert.All(ExplorerDimensions.All.Where(d => d != ExplorerDimension.Route), d => Assert.Equal(ExplorerDimension.Route, d.DrillInto()));
    }

    [Fact]
    public void Removing_a_filter_from_the_query_keeps_the_rest_of_the_view()
    {
        var view = Parse("group_by=model&route=%2Fchat&tenant=acme");

        var query = view.Query(filters: new Dictionary<ExplorerDimension, string?> { [ExplorerDimension.Route] = null });

        Assert.DoesNotContain("route=", query.Replace("group_by=", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("tenant=acme", query, StringComparison.Ordinal);
        Assert.Contains("group_by=model", query, StringComparison.Ordinal);
    }
}
