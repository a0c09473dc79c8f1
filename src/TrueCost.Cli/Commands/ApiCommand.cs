using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using TrueCost.Api;
using TrueCost.Cli.Infrastructure;
using TrueCost.Ledger.Storage;

namespace TrueCost.Cli.Commands;

/// <summary><c>truecost api</c>: the HTTP query surface over cost_hourly and friends (keys from <c>Api__Keys__N__*</c>).</summary>
public static class ApiCommand
{
    private static readonly Option<string> Urls = new("--urls") { Description = "Addresses to listen on, ';'-separated", DefaultValueFactory = _ => "http://127.0.0.1:8080" };

    public static Command Create()
    {
        var command = new Command("api", "Serve the cost query API and the cost explorer at /ui/ (API keys from Api__Keys__N__Name/KeyHash/Tenant), with /healthz, /readyz and /metrics") { Endpoints.Postgres, Urls };
        command.SetAction(async (parse, ct) =>
        {
            var postgres = Endpoints.Require(parse, Endpoints.Postgres, "TRUECOST_POSTGRES");
            await Endpoints.CheckPostgresAsync(postgres, ct);
            var settings = Settings.Load(parse);
            var configuration = settings.Configuration;
            var ledger = settings.Ledger;
            var ops = settings.StartOps("truecost-api");
            using var telemetry = ops.Telemetry;
            WebApplication app;
            try
            {
                app = ApiHost.Build(postgres, ApiOptions.Bind(configuration), parse.GetValue(Urls)!.Split(';'), ledger, ops, settings.Governance, settings.Findings);
            }
            catch (InvalidOperationException e)
            {
                throw new CliException($"cannot start the API: {e.Message}");
            }

            await app.StartAsync(ct);
            await app.WaitForShutdownAsync(ct);
            return 0;
        });
        return command;
    }
}
