using Npgsql;

namespace TrueCost.Ingest.Pipeline;

/// <summary>
/// Tells a batch PostgreSQL refuses because of what a record holds (the same batch would fail on
/// every retry) from a failure that passes (connection, restart, deadlock, serialization). Refusals
/// are data exceptions (class 22), program limits (54) and integrity violations (23) other than a
/// unique violation, which a concurrent writer can cause and a retry resolves.
/// </summary>
public static class StorageRefusal
{
    private const string UniqueViolation = "23505";

    /// <summary>The server's words for a refusal anywhere in the exception chain (Marten wraps it), or null.</summary>
    public static string? In(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException pg && IsRefusal(pg.SqlState))
            {
                return pg.ConstraintName is { } constraint
                    ? $"{pg.SqlState} {pg.MessageText} (constraint {constraint})"
                    : $"{pg.SqlState} {pg.MessageText}";
            }
        }

        return null;
    }

    public static bool IsRefusal(string sqlState) =>
        sqlState.StartsWith("22", StringComparison.Ordinal)
        || sqlState.StartsWith("54", StringComparison.Ordinal)
        || (sqlState.StartsWith("23", StringComparison.Ordinal) && sqlState != UniqueViolation);
}
