namespace TrueCost.Ingest.InvoiceLines;

/// <summary>
/// Numbers identical rows of a file (1, 2, …) without holding every row: the first pass puts each row hash
/// into a Bloom filter and remembers only the hashes the filter may have seen before (true repeats plus rare
/// false positives); the second pass counts occurrences of just those. A row never flagged occurs once.
/// </summary>
internal sealed class RepeatedRows
{
    private const int MinBits = 1 << 16;

    /// <summary>64 MiB of filter at most: for a file of 20 million rows still about 27 bits a row.</summary>
    private const int MaxBits = 1 << 29;

    private const int Probes = 4;

    private readonly ulong[] _bits;
    private readonly uint _mask;
    private readonly HashSet<string> _maybeRepeated = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);

    /// <summary>One bit per byte of the file: a FOCUS row is far longer than the bits it needs.</summary>
    public RepeatedRows(long fileBytes)
    {
        var bits = (int)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(fileBytes, 1)), MinBits, MaxBits);
        _bits = new ulong[bits / 64];
        _mask = (uint)bits - 1;
    }

    public void Observe(byte[] rowHash)
    {
        var present = true;
        for (var probe = 0; probe < Probes; probe++)
        {
            var bit = BitConverter.ToUInt32(rowHash, probe * sizeof(uint)) & _mask;
            ref var word = ref _bits[bit >> 6];
            var flag = 1UL << (int)(bit & 63);
            present &= (word & flag) != 0;
            word |= flag;
        }

        if (present)
        {
            _maybeRepeated.Add(Convert.ToHexString(rowHash));
        }
    }

    public int Occurrence(byte[] rowHash)
    {
        var key = Convert.ToHexString(rowHash);
        if (!_maybeRepeated.Contains(key))
        {
            return 1;
        }

        var count = _seen.GetValueOrDefault(key) + 1;
        _seen[key] = count;
        return count;
    }
}
