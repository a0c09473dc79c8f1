using System.Net.Sockets;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten.Exceptions;
using Npgsql;
using TrueCost.Ledger.Storage;
using ApplyEventException = JasperFx.Events.Daemon.ApplyEventException;

namespace TrueCost.UnitTests.Ledger;

public class ProjectionRecoveryTests
{
    [Fact]
    public void The_wait_before_a_restart_doubles_with_each_restart_that_applied_no_page_up_to_the_maximum()
    {
        var options = new ProjectionRecoveryOptions { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(20) };

        var waits = Enumerable.Range(0, 8).Select(options.Backoff).ToList();

        Assert.Equal([1, 2, 4, 8, 16, 20, 20, 20], waits.Select(w => w.TotalSeconds));
        Assert.Equal(options.MaxBackoff, options.Backoff(int.MaxValue));
    }

    [Fact]
    public void The_defaults_restart_a_shard_within_seconds_and_back_off_to_a_minute()
    {
        var options = new LedgerOptions().ProjectionRecovery;

        options.Validate("Ledger:ProjectionRecovery");

        Assert.Equal(TimeSpan.FromSeconds(1), options.CheckInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Backoff(0));
        Assert.Equal(TimeSpan.FromMinutes(1), options.Backoff(10));
    }

    [Theory]
    [InlineData("00:00:00", "00:00:01", "00:01:00", "Ledger:ProjectionRecovery:CheckInterval")]
    [InlineData("00:00:01", "00:00:00.010", "00:01:00", "Ledger:ProjectionRecovery:InitialBackoff")]
    [InlineData("00:00:01", "00:00:05", "00:00:02", "Ledger:ProjectionRecovery:MaxBackoff")]
    [InlineData("00:00:01", "00:00:01", "02:00:00", "Ledger:ProjectionRecovery:MaxBackoff")]
    public void A_recovery_setting_out_of_range_stops_the_ledger_at_start_with_its_key(string check, string initial, string max, string key)
    {
        var ledger = new LedgerOptions
        {
            ProjectionRecovery = new ProjectionRecoveryOptions { CheckInterval = TimeSpan.Parse(check), InitialBackoff = TimeSpan.Parse(initial), MaxBackoff = TimeSpan.Parse(max) },
        };

        var e = Assert.Throws<InvalidOperationException>(ledger.Validate);

        Assert.StartsWith(key + " ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PostgresErrorCodes.AdminShutdown, "admin_shutdown")]
    [InlineData(PostgresErrorCodes.DeadlockDetected, "deadlock")]
    [InlineData(PostgresErrorCodes.QueryCanceled, "statement_timeout")]
    [InlineData(PostgresErrorCodes.SerializationFailure, "serialization_failure")]
    [InlineData(PostgresErrorCodes.TooManyConnections, "insufficient_resources")]
    [InlineData(PostgresErrorCodes.ConnectionFailure, "connection")]
    [InlineData(PostgresErrorCodes.UndefinedColumn, "database_error")]
    public void A_server_error_is_named_by_its_sqlstate_through_the_exceptions_that_wrap_it(string sqlState, string reason)
    {
        var server = new PostgresException("refused", "ERROR", "ERROR", sqlState);

        Assert.Equal(reason, ProjectionFailureReason.Of(server));
        Assert.Equal(reason, ProjectionFailureReason.Of(new MartenCommandException(new NpgsqlCommand("select 1"), server)));
        Assert.Equal(reason, ProjectionFailureReason.Of(new AggregateException(new InvalidOperationException("first"), server)));
    }

    [Fact]
    public void Client_side_failures_are_a_timeout_or_a_broken_connection()
    {
        Assert.Equal("timeout", ProjectionFailureReason.Of(new NpgsqlException("The connection pool has been exhausted", new TimeoutException())));
        Assert.Equal("connection", ProjectionFailureReason.Of(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));
        Assert.Equal("connection", ProjectionFailureReason.Of(new SocketException((int)SocketError.ConnectionReset)));
        Assert.Equal("other", ProjectionFailureReason.Of(new InvalidOperationException("a bug")));
        Assert.Equal(ProjectionFailureReason.NotRunning, ProjectionFailureReason.Of(null));
    }

    [Fact]
    public void The_daemons_own_failures_are_named_by_their_kind_unless_they_carry_a_server_error()
    {
        Assert.Equal("progression_out_of_order", ProjectionFailureReason.Of(new ProgressionProgressOutOfOrderException("usage_hourly", 10, 20)));
        Assert.Equal("apply_error", ProjectionFailureReason.Of(new ApplyEventException(new Event<string>("payload"), new ArgumentException("bad value"))));
        Assert.Equal("lock_timeout", ProjectionFailureReason.Of(new ApplyEventException(new Event<string>("payload"), new PostgresException("x", "ERROR", "ERROR", PostgresErrorCodes.LockNotAvailable))));
        Assert.Equal("connection", ProjectionFailureReason.Of(new PostgresException("x", "FATAL", "FATAL", PostgresErrorCodes.CrashShutdown)));
    }
}
