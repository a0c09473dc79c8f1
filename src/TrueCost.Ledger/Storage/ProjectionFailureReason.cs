using System.Net.Sockets;
using JasperFx.Events.Daemon;
using Npgsql;

namespace TrueCost.Ledger.Storage;

/// <summary>
/// Why a projection shard went down, as one of a few fixed words (the <c>reason</c> label of the projection metrics; the
/// log line beside it carries the whole exception).
/// </summary>
public static class ProjectionFailureReason
{
    /// <summary>The shard is not running and the daemon recorded no error for it (it failed to start, or was stopped).</summary>
    public const string NotRunning = "not_running";

    /// <summary>
    /// The reason for <paramref name="failure"/>, looking through wrapping exceptions: the server's SQLSTATE when it sent
    /// one, else a client-side timeout (a command timeout or an exhausted connection pool), else a broken connection.
    /// </summary>
    public static string Of(Exception? failure)
    {
        if (failure is null)
        {
            return NotRunning;
        }

        var graph = Flatten(failure).ToList();
        if (graph.OfType<PostgresException>().FirstOrDefault() is { } postgres)
        {
            return FromSqlState(postgres.SqlState);
        }

        if (graph.OfType<ProgressionProgressOutOfOrderException>().Any())
        {
            return "progression_out_of_order";
        }

        if (graph.OfType<ApplyEventException>().Any())
        {
            return "apply_error";
        }

        if (graph.OfType<TimeoutException>().Any())
        {
            return "timeout";
        }

        return graph.Any(e => e is NpgsqlException or IOException or SocketException) ? "connection" : "other";
    }

    private static string FromSqlState(string sqlState) => sqlState switch
    {
        PostgresErrorCodes.AdminShutdown => "admin_shutdown",
        PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow => "connection",
        PostgresErrorCodes.QueryCanceled => "statement_timeout",
        PostgresErrorCodes.DeadlockDetected => "deadlock",
        PostgresErrorCodes.SerializationFailure => "serialization_failure",
        PostgresErrorCodes.LockNotAvailable => "lock_timeout",
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => "connection",
        _ when sqlState.StartsWith("53", StringComparison.Ordinal) => "insufficient_resources",
        _ => "database_error",
    };

    private static IEnumerable<Exception> Flatten(Exception root)
    {
        var pending = new Stack<Exception>([root]);
        var seen = 0;
        while (pending.TryPop(out var e) && seen++ < 64)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.Reverse())
                {
                    pending.Push(inner);
                }
            }
            else if (e.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}
