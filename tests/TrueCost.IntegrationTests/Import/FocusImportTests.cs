using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using TrueCost.Contracts;
using TrueCost.Ingest.InvoiceLines;
using TrueCost.Ingest.Pipeline;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;

namespace TrueCost.IntegrationTests.Import;

[Collection("infrastructure")]
public class FocusImportTests(InfrastructureFixture infra)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Importing_the_sample_export_twice_stores_each_line_once_with_the_summarys_totals()
    {
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra);
        var topic = pipeline.Ingest.TopicFor(Topics.InvoiceLines);
        var host = await pipeline.StartHostAsync();
        var sample = Path.Combine(RepoRoot(), "schemas", "examples", "focus", "focus-sample.csv");

        // Two runs, as two invocations of `truecost import focus` would be: each with its own producer.
        var first = Import(sample, topic);
        var second = Import(sample, topic);

        var counters = PipelineUnderTest.Counters(host, topic);
        var produced = first.Produced + second.Produced;
        await Eventually.TrueAsync(() => counters.Processed >= produced, Patience, () => $"processed {counters.Processed} of {produced}");
        await host.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(Patience);

        Assert.Equal((14, 0), (first.Produced, first.Rejected));
        Assert.Equal(first.Totals, second.Totals);
        Assert.Equal((first.Produced, second.Produced, 0), (counters.Stored, counters.Duplicates, counters.DeadLettered));
        await using var cmd = pipeline.DataSource.CreateCommand(
            "select currency, count(distinct line_id), sum(billed_cost), sum(effective_cost) from truecost.cost_line_hourly group by currency order by currency");
        await using var reader = await cmd.ExecuteReaderAsync();
        var stored = new Dictionary<string, CurrencyTotals>();
        while (await reader.ReadAsync())
        {
            stored[reader.GetString(0)] = new CurrencyTotals(reader.GetInt64(1), reader.GetDecimal(2), reader.GetDecimal(3));
        }

        Assert.Equal(first.Totals, stored);
    }

    private FocusImportSummary Import(string path, string topic)
    {
        using var importer = new FocusImporter(new IngestOptions { BootstrapServers = infra.Kafka.BootstrapServers }, topic, TimeProvider.System);
        importer.ImportFile(path);
        return importer.Summary;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "pipeline.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"no pipeline.sln above {AppContext.BaseDirectory}");
    }
}
