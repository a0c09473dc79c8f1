using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace TrueCost.Ingest.InvoiceLines;

/// <summary>
/// The restatement identity of a FOCUS export. A provider re-issues the export of an open billing period whole,
/// so the unit that replaces an earlier import is the <em>import scope</em>:
/// BillingAccountId × BillingPeriodStart × BillingPeriodEnd × provider (ProviderName, else InvoiceIssuerName,
/// else ServiceProviderName), written <c>account|start|end|provider</c> with '|' and '\' escaped by '\'. A row without a billing period has no
/// scope (it is additive, as every row was before scopes); a row with a period but no account or provider gets
/// an empty segment for it.
/// <para>
/// The <em>import id</em> of a scope is a hash of how many rows the file holds for it and the sum modulo 2^256
/// of their content hashes: independent of row order, sensitive to every cell of every row and to how often an
/// identical row repeats. An identical re-export therefore has the same import id (and the same line ids, which
/// the ingest stores once); a corrected one has a new import id for the corrected scope only.
/// </para>
/// Memory is one entry per scope plus <see cref="RepeatedRows"/>'s fixed-size filter, whatever the file's size.
/// </summary>
public sealed class FocusImportIdentity
{
    private const string ImportIdPrefix = "import-";
    private const string LineIdPrefix = "focus-";

    /// <summary>128 bits of a hash: ample against collisions, short enough to read in a log line.</summary>
    private const int HexLength = 32;

    private readonly Dictionary<string, ScopeDigest> _scopes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _importIds = new(StringComparer.Ordinal);
    private readonly RepeatedRows _repeats;

    /// <param name="expectedBytes">The file's size, which bounds its row count and so sizes the repeat filter.</param>
    public FocusImportIdentity(long expectedBytes) => _repeats = new RepeatedRows(expectedBytes);

    /// <summary>The readable scope of a row, or null when it has no billing period. Timestamps are already normalised.</summary>
    public static string? ScopeOf(string? billingAccountId, string? billingPeriodStart, string? billingPeriodEnd, string? provider) =>
        string.IsNullOrEmpty(billingPeriodStart) || string.IsNullOrEmpty(billingPeriodEnd)
            ? null
            : string.Join('|', Escape(billingAccountId), Escape(billingPeriodStart), Escape(billingPeriodEnd), Escape(provider));

    /// <summary>SHA-256 of a row's content (column = cell, in column-name order).</summary>
    public static byte[] RowHash(string content) => SHA256.HashData(Encoding.UTF8.GetBytes(content));

    /// <summary>
    /// The line id: <c>focus-</c> + hash of the import id, the row's content and how many identical rows came
    /// before it. Rows without a scope keep the id they always had, a hash of content and occurrence alone.
    /// </summary>
    public static string LineId(string? importId, string content, int occurrence)
    {
        var count = occurrence.ToString(CultureInfo.InvariantCulture);
        var text = importId is null ? $"{content}\u001e{count}" : $"{importId}\u001d{content}\u001e{count}";
        return LineIdPrefix + Hex(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>First pass: counts one row towards its scope's import id.</summary>
    public void Observe(string? scope, byte[] rowHash)
    {
        _repeats.Observe(rowHash);
        if (scope is null)
        {
            return;
        }

        if (!_scopes.TryGetValue(scope, out var digest))
        {
            _scopes[scope] = digest = new ScopeDigest();
        }

        digest.Add(rowHash);
    }

    /// <summary>Second pass: the import id of a scope seen in the first pass, or null for no scope.</summary>
    public string? ImportIdOf(string? scope)
    {
        if (scope is null)
        {
            return null;
        }

        if (!_importIds.TryGetValue(scope, out var id))
        {
            var digest = _scopes.TryGetValue(scope, out var seen) ? seen : new ScopeDigest();
            var text = $"{scope}\u001e{digest.Rows.ToString(CultureInfo.InvariantCulture)}\u001e{Convert.ToHexStringLower(digest.Sum)}";
            _importIds[scope] = id = ImportIdPrefix + Hex(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        }

        return id;
    }

    /// <summary>Second pass: 1 for the first row with this content, 2 for the next identical one, …</summary>
    public int Occurrence(byte[] rowHash) => _repeats.Occurrence(rowHash);

    private static string Escape(string? segment) =>
        segment is null ? string.Empty : segment.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal);

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash)[..HexLength];

    /// <summary>Row count and the 256-bit sum of the row hashes: a multiset hash, so row order does not matter.</summary>
    private sealed class ScopeDigest
    {
        public long Rows { get; private set; }

        public byte[] Sum { get; } = new byte[SHA256.HashSizeInBytes];

        public void Add(byte[] rowHash)
        {
            Rows++;
            var carry = 0;
            for (var i = Sum.Length - 1; i >= 0; i--)
            {
                var total = Sum[i] + rowHash[i] + carry;
                Sum[i] = (byte)total;
                carry = total >> 8;
            }
        }
    }
}
