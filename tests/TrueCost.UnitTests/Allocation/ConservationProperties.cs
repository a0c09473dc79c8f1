using System.Text.Json;
using CsCheck;
using TrueCost.Contracts.RequestLogs;
using TrueCost.Ledger.Allocation;

namespace TrueCost.UnitTests.Allocation;

/// <summary>
/// For any hour and either idle policy, money is neither created nor lost, every figure is whole cents,
/// idle stays a part of direct inference, and the rows depend only on the inputs, not on their order.
/// </summary>
public class ConservationProperties
{
    private const long Iterations = 2_000;

    private static readonly AllocationPolicy[] Policies = [new(IdlePolicy.Share), new(IdlePolicy.Separate)];

    [Fact]
    public void Rows_sum_to_the_hours_input_total_rounded_to_the_cent() => ForEveryHourAndPolicy((inputs, policy) =>
    {
        var allocation = HourAllocator.Allocate(inputs, policy);

        Assert.Equal(Math.Round(allocation.InputTotal, 2), allocation.Rows.Sum(r => r.Total));
        Assert.Equal(Math.Round(MoneyIn(inputs), 2), Math.Round(allocation.InputTotal, 2));
    });

    [Fact]
    public void Every_amount_on_every_row_is_a_whole_number_of_cents() => ForEveryHourAndPolicy((inputs, policy) =>
        Assert.All(
            HourAllocator.Allocate(inputs, policy).Rows,
            row => Assert.All([row.DirectInference, row.PlatformOverhead, row.Observability, row.Engineering, row.Incident, row.Idle], AllocationAssert.WholeCents)));

    [Fact]
    public void Idle_lies_between_zero_and_direct_inference_so_it_never_exceeds_a_rows_direct_cost() => ForEveryHourAndPolicy((inputs, policy) =>
        Assert.All(
            HourAllocator.Allocate(inputs, policy).Rows,
            row => Assert.InRange(row.Idle, Math.Min(0m, row.DirectInference), Math.Max(0m, row.DirectInference))));

    [Fact]
    public void Allocating_the_same_hour_twice_gives_identical_rows() => ForEveryHourAndPolicy((inputs, policy) =>
        AllocationAssert.SameRows(HourAllocator.Allocate(inputs, policy), HourAllocator.Allocate(inputs, policy)));

    [Fact]
    public void Allocating_the_same_hour_with_its_inputs_in_another_order_gives_identical_rows()
    {
        Gen.Select(AllocationGen.Hour, Gen.Int).Sample((inputs, seed) =>
        {
            var random = new Random(seed);
            var shuffled = new HourInputs(inputs.Hour, Shuffle(inputs.Usage, random), Shuffle(inputs.Pools, random), Shuffle(inputs.Lines, random), Shuffle(inputs.Incidents, random));
            foreach (var policy in Policies)
            {
                AllocationAssert.SameRows(HourAllocator.Allocate(inputs, policy), HourAllocator.Allocate(shuffled, policy));
            }
        }, iter: Iterations, print: t => Print(t.Item1));
    }

    /// <summary>
    /// What entered the system, counted independently of the allocator: every line, every incident, and
    /// the priced tokens of API providers that sent no invoice line this hour (an invoice replaces them).
    /// </summary>
    private static decimal MoneyIn(HourInputs inputs)
    {
        var invoiced = inputs.Lines.Where(l => l.Bucket == CostBuckets.DirectInference && l.Pool.Length == 0).Select(l => l.Provider).ToHashSet();
        var priced = inputs.Usage.Where(u => u.ServingMode == ServingModes.Api && !invoiced.Contains(u.Provider)).Sum(u => u.ApiCost);
        return priced + inputs.Lines.Sum(l => l.Amount) + inputs.Incidents.Sum(i => i.Total);
    }

    private static void ForEveryHourAndPolicy(Action<HourInputs, AllocationPolicy> property) =>
        AllocationGen.Hour.Sample(
            inputs =>
            {
                foreach (var policy in Policies)
                {
                    property(inputs, policy);
                }
            },
            iter: Iterations,
            print: Print);

    private static T[] Shuffle<T>(IReadOnlyList<T> items, Random random)
    {
        var copy = items.ToArray();
        random.Shuffle(copy);
        return copy;
    }

    private static string Print(HourInputs inputs) => JsonSerializer.Serialize(inputs);
}
