using Npgsql;

namespace TrueCost.Api.Querying;

/// <summary>
/// A parameterized filter: column names come only from code, every value a caller sent travels as
/// a positional parameter ($1, $2, …).
/// </summary>
internal sealed class SqlWhere
{
    private readonly List<string> _conditions = [];
    private readonly List<object> _values = [];

    public string Sql => _conditions.Count == 0 ? "true" : string.Join(" and ", _conditions);

    public SqlWhere Add(string column, string op, object value)
    {
        _values.Add(value);
        _conditions.Add($"{column} {op} ${_values.Count}");
        return this;
    }

    /// <summary>Adds a value without a condition and returns its placeholder, for use elsewhere in the same command.</summary>
    public string Parameter(object value)
    {
        _values.Add(value);
        return $"${_values.Count}";
    }

    /// <summary>An equality filter; an absent or empty value filters nothing.</summary>
    public SqlWhere AddIf(string column, string? value) => string.IsNullOrEmpty(value) ? this : Add(column, "=", value);

    public NpgsqlCommand Command(NpgsqlDataSource db, string sql, params object[] extra)
    {
        var cmd = db.CreateCommand(sql);
        foreach (var value in _values.Concat(extra))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return cmd;
    }

    /// <summary>One page of <paramref name="sql"/>, which must order its rows totally.</summary>
    public async Task<IReadOnlyList<T>> PageAsync<T>(NpgsqlDataSource db, string sql, Paging paging, Func<NpgsqlDataReader, T> read, CancellationToken ct)
    {
        await using var cmd = Command(db, $"{sql} limit ${_values.Count + 1} offset ${_values.Count + 2}", paging.PageSize, paging.Offset);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(read(r));
        }

        return rows;
    }

    /// <summary>One page of <paramref name="sql"/> with the count of all its rows.</summary>
    public async Task<RowsPage<T>> RowsPageAsync<T>(
        NpgsqlDataSource db, string sql, TimeRange? range, Paging paging, Func<NpgsqlDataReader, T> read, CancellationToken ct)
    {
        await using var count = Command(db, $"select count(*) from ({sql}) listing");
        var total = (long)(await count.ExecuteScalarAsync(ct))!;
        var rows = await PageAsync(db, sql, paging, read, ct);
        return new RowsPage<T>(range?.From, range?.To, paging.Page, paging.PageSize, total, rows);
    }
}
