namespace TrueCost.Synthetic;

/// <summary>One synthetic UTC day across all four topics. The late credit line comes last, after the traffic.</summary>
public sealed class SyntheticDay(DateTimeOffset day, int requests, int seed = 42)
{
    public DateTimeOffset Day => day;

    public IEnumerable<SyntheticRecord> Generate()
    {
        var invoices = new InvoiceLineGenerator(day).Generate().ToList();
        return invoices.Take(invoices.Count - 1)
            .Concat(new IncidentGenerator(day).Generate())
            .Concat(Interleave(new GpuSampleGenerator(day, seed).Generate(), new RequestLogGenerator(day, requests, seed).Generate()))
            .Concat(invoices.Skip(invoices.Count - 1));
    }

    /// <summary>Alternates the two streams so both topics fill while ingest consumes them.</summary>
    private static IEnumerable<SyntheticRecord> Interleave(IEnumerable<SyntheticRecord> a, IEnumerable<SyntheticRecord> b)
    {
        using var left = a.GetEnumerator();
        using var right = b.GetEnumerator();
        bool moreLeft = left.MoveNext(), moreRight = right.MoveNext();
        while (moreLeft || moreRight)
        {
            if (moreLeft)
            {
                yield return left.Current;
                moreLeft = left.MoveNext();
            }

            if (moreRight)
            {
                yield return right.Current;
                moreRight = right.MoveNext();
            }
        }
    }
}
