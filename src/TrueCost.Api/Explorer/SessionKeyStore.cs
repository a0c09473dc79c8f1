using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Npgsql;
using TrueCost.Ledger.Storage;

namespace TrueCost.Api.Explorer;

/// <summary>
/// Where ASP.NET's data protection keeps the keys that encrypt the explorer's session cookies: in PostgreSQL, so every
/// replica of the API reads a cookie another one wrote, and a restart or a read-only file system does not sign
/// everyone out. The keys live in a schema of their own (<c>{Ledger:Schema}_sessions</c>), created on first use by
/// the API's role, which the analysts' reader role (infra/postgres/init.sql) is granted nothing on.
/// </summary>
internal sealed class SessionKeyStore(NpgsqlDataSource db, string schema) : IXmlRepository
{
    private readonly string _table = $"{schema}_sessions.data_protection_keys";
    private readonly Lock _gate = new();
    private bool _created;

    public static IServiceCollection AddSessionKeys(IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("TrueCost.Explorer");
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource, LedgerOptions>((o, db, ledger) => o.XmlRepository = new SessionKeyStore(db, ledger.Schema));
        return services;
    }

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        EnsureCreated();
        using var cmd = db.CreateCommand($"select xml from {_table} order by created_at, name");
        using var r = cmd.ExecuteReader();
        var keys = new List<XElement>();
        while (r.Read())
        {
            keys.Add(XElement.Parse(r.GetString(0)));
        }

        return keys;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        EnsureCreated();
        using var cmd = db.CreateCommand($"insert into {_table} (name, xml) values ($1, $2) on conflict (name) do nothing");
        cmd.Parameters.Add(new NpgsqlParameter { Value = friendlyName });
        cmd.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        cmd.ExecuteNonQuery();
    }

    private void EnsureCreated()
    {
        lock (_gate)
        {
            if (_created)
            {
                return;
            }

            using var cmd = db.CreateCommand($"""
                create schema if not exists {schema}_sessions;
                create table if not exists {_table} (name text primary key, xml text not null, created_at timestamptz not null default now());
                """);
            cmd.ExecuteNonQuery();
            _created = true;
        }
    }
}
