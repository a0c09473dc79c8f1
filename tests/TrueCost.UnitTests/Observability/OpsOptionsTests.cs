using TrueCost.ServiceDefaults;

namespace TrueCost.UnitTests.Observability;

public class OpsOptionsTests
{
    [Theory]
    [InlineData("ftp://0.0.0.0:9464")]
    [InlineData("0.0.0.0:9464")]
    public void An_ops_address_that_is_not_http_is_refused_with_its_key(string urls)
    {
        var e = Assert.Throws<InvalidOperationException>(() => new OpsOptions { Urls = urls }.Validate());

        Assert.StartsWith("Ops:Urls", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_ops_addresses_are_separated_by_semicolons()
    {
        var options = new OpsOptions { Urls = "http://127.0.0.1:9464; http://[::1]:9464" };

        options.Validate();

        Assert.Equal(["http://127.0.0.1:9464", "http://[::1]:9464"], options.UrlList);
    }
}
