using Marten.Exceptions;
using Npgsql;
using TrueCost.Ingest.Pipeline;

namespace TrueCost.UnitTests.Ingest;

public class StorageRefusalTests
{
    [Theory]
    [InlineData("22021", true)] // character not in repertoire
    [InlineData("22P02", true)] // invalid text representation
    [InlineData("54000", true)] // program limit exceeded (e.g. an oversize jsonb)
    [InlineData("23514", true)] // check violation
    [InlineData("23502", true)] // not-null violation
    [InlineData("23505", false)] // unique violation: a concurrent writer, resolved by a retry
    [InlineData("40001", false)] // serialization failure
    [InlineData("40P01", false)] // deadlock
    [InlineData("57P01", false)] // admin shutdown (a restart)
    [InlineData("08006", false)] // connection failure
    public void Only_failures_caused_by_what_a_record_holds_are_refusals(string sqlState, bool refusal) =>
        Assert.Equal(refusal, StorageRefusal.IsRefusal(sqlState));

    [Fact]
    public void The_servers_words_are_found_inside_the_exception_Marten_wraps_them_in()
    {
        var pg = new PostgresException("value too long for type character varying(200)", "ERROR", "ERROR", "22001");
        var wrapped = new MartenCommandException(new NpgsqlCommand("select 1"), pg);

        Assert.Equal("22001 value too long for type character varying(200)", StorageRefusal.In(wrapped));
        Assert.Null(StorageRefusal.In(new NpgsqlException("connection refused")));
        Assert.Null(StorageRefusal.In(new MartenCommandException(new NpgsqlCommand("select 1"), new PostgresException("deadlock detected", "ERROR", "ERROR", "40P01"))));
    }
}
