using System.CommandLine;
using Spectre.Console;
using TrueCost.Benchmarks;
using TrueCost.Benchmarks.EndToEnd;
using TrueCost.Benchmarks.Explorer;
using TrueCost.Benchmarks.Governance;

var quick = new Option<bool>("--quick") { Description = "Small data sets: finishes in well under a minute (CI)" };
var json = new Option<FileInfo?>("--json") { Description = "Also write the figures to this JSON file" };
var records = new Option<int?>("--records") { Description = "Request records for COPY, Marten append, end-to-end ingest (native, and as OTLP spans) and rebuild (default 2,000,000; 50,000 with --quick)" };
var batchSize = new Option<int?>("--batch-size") { Description = "Ingest records per transaction (default: the ingest's default, 5,000)" };
var partitions = new Option<int?>("--partitions") { Description = "Partitions of the request-log topic (default 12, as the demo)" };
var workers = new Option<int?>("--workers") { Description = "Ingest worker processes (one consumer group) for the end-to-end run (default 1)" };
var writeLanes = new Option<int?>("--write-lanes") { Description = "Ingest write lanes per topic in the worker (default: the ingest's default, 2)" };
var toastCompression = new Option<string?>("--toast-compression") { Description = "default_toast_compression of every stage database: pglz or lz4 (default: the server's)" };
var projectionBatchSize = new Option<int?>("--projection-batch-size") { Description = "Events per projection daemon page for the lag and rebuild stages (default: LedgerOptions' default)" };

var root = new RootCommand("TrueCost benchmark: the ingest pipeline against this machine's own limits, in one run")
{
    quick, json, records, batchSize, partitions, workers, writeLanes, projectionBatchSize, toastCompression, WorkerCommand.Create(), GovernanceCommand.Create(), ExplorerCommand.Create(),
};
root.SetAction((parse, ct) => BenchRunner.RunAsync(
    BenchPlan.Create(
        parse.GetValue(quick),
        parse.GetValue(records),
        parse.GetValue(json),
        new BenchTuning(parse.GetValue(batchSize), parse.GetValue(partitions), parse.GetValue(projectionBatchSize), parse.GetValue(workers), parse.GetValue(writeLanes), parse.GetValue(toastCompression))),
    ct));

if (Console.IsOutputRedirected)
{
    // A table written to a file keeps its columns instead of wrapping at 80.
    AnsiConsole.Profile.Width = 160;
}

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (BenchmarkException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    return 2;
}
