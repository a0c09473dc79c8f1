using TrueCost.Api;
using TrueCost.Ledger.Storage;
using TrueCost.ServiceDefaults;

// Standalone entry point: dotnet run --project src/TrueCost.Api -- --postgres "Host=…" --urls http://127.0.0.1:8080
// (or TRUECOST_POSTGRES); keys come from Api__Keys__N__* variables. `truecost api` hosts the same ApiHost.
var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
var postgres = configuration["postgres"] ?? configuration["TRUECOST_POSTGRES"];
if (string.IsNullOrWhiteSpace(postgres))
{
    await Console.Error.WriteLineAsync("no database given: pass --postgres \"Host=…;Database=…\" or set TRUECOST_POSTGRES");
    return 2;
}

using var telemetry = ProcessTelemetry.Start("truecost-api");
WebApplication app;
try
{
    var ledger = configuration.GetSection(LedgerOptions.Section).Get<LedgerOptions>() ?? new LedgerOptions();
    var ops = configuration.GetSection(OpsOptions.Section).Get<OpsOptions>() ?? new OpsOptions();
    ops.Validate();
    app = ApiHost.Build(postgres, ApiOptions.Bind(configuration), configuration["urls"]?.Split(';'), ledger, new ProcessOps(ops, telemetry));
}
catch (InvalidOperationException e)
{
    await Console.Error.WriteLineAsync($"cannot start the API: {e.Message}");
    return 2;
}

await app.RunAsync();
return 0;
