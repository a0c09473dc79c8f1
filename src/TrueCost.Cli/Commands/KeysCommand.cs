using System.Buffers.Text;
using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Spectre.Console;
using TrueCost.Api;
using TrueCost.Cli.Infrastructure;

namespace TrueCost.Cli.Commands;

/// <summary>
/// <c>truecost keys create|list|remove</c>: API keys in the configuration file's <c>Api:Keys</c>. A new key is printed
/// once and only its SHA-256 is written; nothing can show it again.
/// </summary>
public static class KeysCommand
{
    /// <summary>The prefix of every generated key, so a leaked one is recognisable in logs and secret scanners.</summary>
    public const string Prefix = "tc_";

    private static readonly Option<string> Name = new("--name") { Description = "The key's name, shown in logs and errors (unique)", Required = true };

    private static readonly Option<string?> Tenant = new("--tenant") { Description = "Scope the key to one tenant: it sees that tenant's costs and nothing else" };

    public static Command Create()
    {
        var create = new Command("create", "Create an API key: prints it once and writes only its SHA-256 to the configuration file") { Name, Tenant };
        create.SetAction(parse =>
        {
            var file = ConfigFile.Path(parse);
            var root = Read(file);
            var key = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            var entry = new ApiKey { Name = parse.GetValue(Name)!, KeyHash = ApiKey.HashOf(key), Tenant = parse.GetValue(Tenant) };
            var keys = Keys(root);
            keys.Add(new JsonObject { [nameof(ApiKey.Name)] = entry.Name, [nameof(ApiKey.KeyHash)] = entry.KeyHash, [nameof(ApiKey.Tenant)] = entry.Tenant });
            Validate(root);
            ConfigFile.Write(file, root);
            AnsiConsole.MarkupLine($"[green]created[/] key [bold]{Markup.Escape(entry.Name)}[/] ({Markup.Escape(entry.Tenant is null ? "every tenant" : $"tenant {entry.Tenant}")}); its SHA-256 is in {Markup.Escape(file)}");
            AnsiConsole.MarkupLine("[yellow]This is the only time the key is shown; store it in your secret manager now:[/]");
            Console.WriteLine(key);
            AnsiConsole.MarkupLine("Send it as the X-Api-Key header; restart `truecost api` to load it.");
            return 0;
        });

        var list = new Command("list", "List the configured keys (names, tenants and hash prefixes; never a key)");
        list.SetAction(parse =>
        {
            var file = ConfigFile.Path(parse);
            var table = new Table().AddColumns("name", "tenant", "SHA-256");
            foreach (var key in Keys(Read(file, rewrite: false)).OfType<JsonObject>())
            {
                var hash = key[nameof(ApiKey.KeyHash)]?.GetValue<string>() ?? string.Empty;
                table.AddRow(
                    Markup.Escape(key[nameof(ApiKey.Name)]?.GetValue<string>() ?? string.Empty),
                    Markup.Escape(key[nameof(ApiKey.Tenant)]?.GetValue<string>() ?? "(every tenant)"),
                    Markup.Escape(hash.Length > 12 ? $"{hash[..12]}…" : hash));
            }

            AnsiConsole.MarkupLine($"keys in {Markup.Escape(file)} (keys set in the environment, Api__Keys__N__*, override these by index):");
            AnsiConsole.Write(table);
            return 0;
        });

        var remove = new Command("remove", "Remove a key from the configuration file (the API refuses it once restarted)") { Name };
        remove.SetAction(parse =>
        {
            var file = ConfigFile.Path(parse);
            var root = Read(file);
            var keys = Keys(root);
            var name = parse.GetValue(Name)!;
            var found = keys.OfType<JsonObject>().FirstOrDefault(k => k[nameof(ApiKey.Name)]?.GetValue<string>() == name)
                ?? throw new CliException($"{file} has no key named '{name}'");
            keys.Remove(found);
            ConfigFile.Write(file, root);
            AnsiConsole.MarkupLine($"[green]removed[/] key [bold]{Markup.Escape(name)}[/] from {Markup.Escape(file)}; restart `truecost api` to stop accepting it");
            if (keys.Count == 0)
            {
                AnsiConsole.MarkupLine("[yellow]no keys are left: the API refuses to start without one[/]");
            }

            return 0;
        });

        return new Command("keys", "Manage the API's keys in the configuration file") { create, list, remove };
    }

    private static JsonObject Read(string file, bool rewrite = true) => ConfigFile.Read(file, "Api:Keys", rewrite);

    private static JsonArray Keys(JsonObject root) => ConfigFile.Array(root, ApiOptions.Section, nameof(ApiOptions.Keys));

    /// <summary>The keys as the API will bind them: a duplicate name or a bad tenant is refused before anything is written.</summary>
    private static void Validate(JsonObject root)
    {
        var options = ApiOptions.Bind(ConfigFile.AsConfiguration(root));
        try
        {
            options.Validate();
        }
        catch (InvalidOperationException e)
        {
            throw new CliException(e.Message);
        }
    }
}
