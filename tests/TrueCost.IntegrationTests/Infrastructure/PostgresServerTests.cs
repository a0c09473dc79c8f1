using Npgsql;
using TrueCost.DevInfra;

namespace TrueCost.IntegrationTests.Infrastructure;

[Collection("infrastructure")]
public class PostgresServerTests(InfrastructureFixture infra)
{
    [Fact]
    public async Task The_server_answers_select_version()
    {
        var version = await ScalarAsync<string>(infra.Postgres.ConnectionString, "select version()");

        Assert.StartsWith("PostgreSQL ", version, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_created_database_is_isolated_from_the_others()
    {
        var first = await infra.NewDatabaseAsync();
        var second = await infra.NewDatabaseAsync();

        await ExecuteAsync(first, "create table marker (id int); insert into marker values (1)");

        Assert.Equal(1, await ScalarAsync<int>(first, "select count(*)::int from marker"));
        Assert.Null(await ScalarAsync<string>(second, "select to_regclass('marker')::text"));
        Assert.NotEqual(await ScalarAsync<string>(first, "select current_database()"), await ScalarAsync<string>(second, "select current_database()"));
    }

    [Fact]
    public async Task Database_names_are_sanitized_into_plain_identifiers()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];

        var database = await infra.Postgres.CreateDatabaseAsync($"9 Mixed-Case.Name {suffix}");

        Assert.Equal($"db_9_mixed_case_name_{suffix}", await ScalarAsync<string>(database, "select current_database()"));
    }

    [SkippableFact]
    public async Task A_restarted_server_accepts_new_connections_and_keeps_its_data()
    {
        Skip.IfNot(infra.Postgres.IsEmbedded, $"the server comes from {PostgresServer.EnvironmentVariable}; only an embedded one can be restarted");
        var database = await infra.NewDatabaseAsync();
        await ExecuteAsync(database, "create table survivor (id int); insert into survivor values (42)");

        try
        {
            await infra.Postgres.RestartAsync(TimeSpan.FromSeconds(1)).WaitAsync(TimeSpan.FromMinutes(1));

            // Idle pooled connections from before the restart are dead (57P01 on first use); a new one is not.
            Assert.Equal(1, await ScalarAsync<int>(Unpooled(infra.Postgres.ConnectionString), "select 1"));
            Assert.Equal(42, await ScalarAsync<int>(Unpooled(database), "select id from survivor"));
        }
        finally
        {
            // The tests after this one share the server; they should not meet the connections the restart killed.
            NpgsqlConnection.ClearAllPools();
        }
    }

    [SkippableFact]
    public async Task Restarting_an_external_server_is_refused()
    {
        Skip.If(infra.Postgres.IsEmbedded, "the server is embedded; this covers TRUECOST_POSTGRES runs");

        await Assert.ThrowsAsync<NotSupportedException>(() => infra.Postgres.RestartAsync(TimeSpan.Zero));
    }

    private static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T?> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }
}
