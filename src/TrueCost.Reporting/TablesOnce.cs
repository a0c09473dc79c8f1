using Npgsql;

namespace TrueCost.Reporting;

/// <summary>
/// Creates a store's own tables on first use, once per process: the DDL runs in one transaction under an advisory
/// lock named after <paramref name="lockName"/>, since concurrent CREATE … IF NOT EXISTS can still collide in the
/// catalogue when several workers start together.
/// </summary>
public sealed class TablesOnce(NpgsqlDataSource dataSource, string lockName, string ddl) : IDisposable
{
    private readonly SemaphoreSlim _create = new(1, 1);
    private bool _created;

    public async Task EnsureAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _created))
        {
            return;
        }

        await _create.WaitAsync(ct);
        try
        {
            if (_created)
            {
                return;
            }

            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await using (var create = new NpgsqlCommand($"select pg_advisory_xact_lock(hashtext('{lockName}'));\n{ddl}", conn, tx))
            {
                await create.ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
            Volatile.Write(ref _created, true);
        }
        finally
        {
            _create.Release();
        }
    }

    public void Dispose() => _create.Dispose();
}
