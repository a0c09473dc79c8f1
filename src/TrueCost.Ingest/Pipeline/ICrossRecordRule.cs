using Npgsql;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// A check that a record alone cannot answer: it needs what earlier records established (the
/// currency a billing account bills in, when an incident opened). The state lives in PostgreSQL
/// and is read and updated in the batch's own transaction, so it is exactly as durable as the
/// events, and a record rolled back with its batch leaves no trace in it.
/// </summary>
public interface ICrossRecordRule<in TRecord>
    where TRecord : class
{
    /// <summary>
    /// Checks <paramref name="records"/> (new, in offset order) against the stored state and each
    /// other, records the state of those that pass, and returns per record null or the reason to reject it.
    /// </summary>
    Task<IReadOnlyList<string?>> ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<TRecord> records, CancellationToken ct);
}
