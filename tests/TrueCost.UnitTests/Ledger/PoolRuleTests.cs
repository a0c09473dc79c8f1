using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.InvoiceLines;

namespace TrueCost.UnitTests.Ledger;

/// <summary>Cloud GPU lines reach their pool by the tags clouds really write, and GPU spend no rule maps is named, not hidden in overhead.</summary>
public class PoolRuleTests
{
    [Fact]
    public void A_gpu_instance_line_maps_to_a_pool_by_its_kubernetes_node_group_tag()
    {
        var classifier = CostClassifier.Default(pools: [new PoolRule { Pool = "h100-a", Tag = "eks:nodegroup-name", TagValue = "^gpu-h100" }]);

        var c = classifier.Classify(P5Line(new Dictionary<string, string> { ["eks:nodegroup-name"] = "gpu-h100-spot", ["team"] = "inference" }));

        Assert.Equal((CostBuckets.DirectInference, Drivers.PoolShare, "h100-a"), (c.Bucket, c.Driver, c.Pool));
    }

    [Fact]
    public void A_pool_rule_can_match_the_instance_type_or_the_resource_id()
    {
        var classifier = CostClassifier.Default(pools:
        [
            new PoolRule { Pool = "by-resource", ResourceId = "^i-0b" },
            new PoolRule { Pool = "by-type", InstanceType = @"^p5\.48xlarge$" },
        ]);

        Assert.Equal("by-type", classifier.Classify(P5Line([])).Pool);
        Assert.Equal("by-resource", classifier.Classify(P5Line([]) with { ResourceId = "i-0b11" }).Pool);
    }

    [Fact]
    public void A_gpu_instance_line_no_rule_maps_is_reported_as_unmapped_gpu_spend_not_platform_overhead()
    {
        var c = CostClassifier.Default().Classify(P5Line([]));

        Assert.Equal((CostBuckets.DirectInference, Drivers.UnmappedGpu), (c.Bucket, c.Driver));
        Assert.Contains("p5.48xlarge matches no pool rule", c.Rule, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("p5.48xlarge On-Demand Linux, per instance hour", "p5.48xlarge")]
    [InlineData("USE1-BoxUsage:g6e.12xlarge", "g6e.12xlarge")]
    [InlineData("a3-highgpu-8g running in us-central1", "a3-highgpu-8g")]
    [InlineData("Virtual Machines ND H100 v5 Series - Standard_ND96isr_H100_v5", "Standard_ND96isr_H100_v5")]
    public void Gpu_instance_types_of_the_major_clouds_are_recognised(string description, string type) =>
        Assert.Equal(type, CostClassifier.GpuInstanceType(P5Line([]) with { ChargeDescription = description, SkuId = null, ResourceId = null }));

    [Fact]
    public void A_general_purpose_instance_is_not_gpu_spend()
    {
        var line = P5Line([]) with { ChargeDescription = "m7i.2xlarge On-Demand Linux", SkuId = "X", ResourceId = "i-1" };

        Assert.Null(CostClassifier.GpuInstanceType(line));
        Assert.Equal(CostBuckets.PlatformOverhead, CostClassifier.Default().Classify(line).Bucket);
    }

    private static RecordedInvoiceLine P5Line(Dictionary<string, string> tags) => new(
        "line-1", 98.32m, 98.32m, 98.32m, "USD",
        new DateTimeOffset(2026, 10, 14, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 14, 10, 0, 0, TimeSpan.Zero),
        "Usage", null, "p5.48xlarge On-Demand Linux, per instance hour", "AWS", "Compute", "Amazon Elastic Compute Cloud",
        "i-0a4f2c9e7b1d30561", "HZ3E8RCXMWNKQ6W4", null, null, 1m, "Hours", tags);
}
