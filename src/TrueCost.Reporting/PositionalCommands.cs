using Npgsql;

namespace TrueCost.Reporting;

/// <summary>Commands with positional parameters ($1, $2, …) over the ledger's data source.</summary>
internal static class PositionalCommands
{
    public static NpgsqlCommand Command(this NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        var cmd = dataSource.CreateCommand(sql);
        foreach (var p in parameters)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return cmd;
    }
}
