using System.Security.Cryptography;
using System.Text;
using TrueCost.Reporting.Weekly;

namespace TrueCost.Reporting.Restatements;

/// <summary>
/// A week whose published report needs restating: when its first and latest hour change were seen by this worker.
/// One row per week, however many hours change (a late invoice re-allocates hundreds).
/// </summary>
public sealed record PendingRestatement(IsoWeek Week, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt);

/// <summary>When a pending restatement is re-issued, and under which request id. Pure: no I/O, no clock.</summary>
public static class RestatementDebounce
{
    /// <summary>
    /// Due once no change for the week arrived for <paramref name="quiet"/>, or once it has waited
    /// <paramref name="maxDelay"/> since its first change, so a steady trickle of changes cannot postpone it forever.
    /// </summary>
    public static bool IsDue(PendingRestatement pending, DateTimeOffset now, TimeSpan quiet, TimeSpan maxDelay)
    {
        ArgumentNullException.ThrowIfNull(pending);
        return now - pending.LastSeenAt >= quiet || now - pending.FirstSeenAt >= maxDelay;
    }

    /// <summary>
    /// The same pending restatement always asks with the same request id, so issuing it again after a crash
    /// (published, not yet recorded) generates one report, not two.
    /// </summary>
    public static Guid RequestId(PendingRestatement pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        return new(SHA256.HashData(Encoding.UTF8.GetBytes($"truecost weekly report restatement {pending.Week} {pending.FirstSeenAt.UtcTicks}")).AsSpan(0, 16));
    }
}
