using System.Text;
using System.Text.Json;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using TrueCost.Contracts;
using TrueCost.Contracts.Validation;
using TrueCost.Ingest.InvoiceLines;
using TrueCost.IntegrationTests.Infrastructure;
using TrueCost.IntegrationTests.Ingest;
using TrueCost.Ledger.Allocation;
using TrueCost.Ledger.Currency;
using TrueCost.Ledger.Identity;
using TrueCost.Ledger.InvoiceLines;
using TrueCost.Ledger.Pricing;
using TrueCost.Ledger.Queries;
using TrueCost.Ledger.Storage;
using TrueCost.Ledger.Verification;
using TrueCost.Synthetic;

namespace TrueCost.IntegrationTests.Scenarios;

/// <summary>
/// A day of real-shaped inputs, none from our generator: GenAI request logs as OpenTelemetry instrumentations
/// write them (OpenAI with a dated response model and cache reads; Anthropic through OpenLLMetry with its
/// capitalised gen_ai.system and cache creation; a fine-tuned model nobody prices; a self-hosted call), a
/// LiteLLM price-map excerpt, an OpenAI FOCUS export with a negotiated discount and then its corrected
/// re-export, an AWS p5.48xlarge line that only a node-group tag ties to a pool, and an observability bill
/// in EUR. Every tenant's total is computed by hand below, to the cent.
/// </summary>
[Collection("infrastructure")]
public class RealBillsScenarioTests(InfrastructureFixture infra)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Every_tenant_pays_the_real_bill_to_the_cent_and_verify_catches_a_broken_row()
    {
        var ledger = new LedgerOptions
        {
            Pools = [new PoolRule { Pool = "h100-pool", Tag = "eks:nodegroup-name", TagValue = "^gpu-h100" }],
            Fx = [new FxRate { From = "EUR", To = "USD", Rate = 1.08m, Date = new DateTimeOffset(2026, 11, 13, 0, 0, 0, TimeSpan.Zero), Source = "ECB reference rate" }],
        };
        await using var pipeline = await PipelineUnderTest.CreateAsync(infra, ledger: ledger);
        var host = await pipeline.StartHostAsync();

        // truecost prices import litellm: the excerpt becomes a catalogue version above the shipped list.
        var import = LiteLlmPriceMap.Read(new MemoryStream(Encoding.UTF8.GetBytes(PriceMapExcerpt)), "litellm excerpt", new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), ProviderAliases.Default());
        Assert.Contains(import.Skipped, s => s.Key == LiteLlmPriceMap.SampleSpecKey);
        await PriceCatalogueStore.ImportAsync(pipeline.DataSource, ledger.Schema, "litellm-scenario", import.Prices, CancellationToken.None);

        var records = RequestLogs().Concat(Focus(OpenAiExport("3.00"), "openai-2026-11.csv")).Concat(Focus(AwsExport, "aws-cur-2026-11.csv")).Concat(Focus(LangfuseExport, "langfuse-2026-11.csv")).ToList();
        await pipeline.ProduceAsync(records);
        await pipeline.SettledAsync(host, records.Count, Patience);
        var beforeCorrection = await TenantTotalsAsync(pipeline);

        // OpenAI re-issues the month with the output line corrected from 3.00 to 2.40 USD.
        var corrected = Focus(OpenAiExport("2.40"), "openai-2026-11-reissued.csv");
        await pipeline.ProduceAsync(corrected);
        await pipeline.SettledAsync(host, records.Count + corrected.Count, Patience);
        var totals = await TenantTotalsAsync(pipeline);

        // Hand computation (USD):
        // OpenAI list price of gpt-4o-2024-08-06: 10:00 acme 600k×2.50 + 400k cache×1.25 + 100k×10 = 3.00; 14:00 initech 2M×2.50 + 200k×10 = 7.00.
        // Corrected export bills 6.00 + 2.40 = 8.40 (16 % below list), spread by list cost: acme 8.40×0.3 = 2.52, initech 8.40×0.7 = 5.88.
        // Anthropic (no invoice), globex: 300k×3.00 + 1.5M cache read×0.30 + 200k cache write×3.75 + 20k×15.00 = 2.40.
        // p5.48xlarge 98.32 → pool h100-pool by its node-group tag → the pool's one user, acme /summarize.
        // Langfuse 10.00 EUR × 1.08 = 10.80 USD over the 4 requests of 10:00: acme 2 × 2.70, globex 2 × 2.70.
        Assert.Equal(2.52m + 98.32m + 5.40m, totals["acme"]);
        Assert.Equal(2.40m + 5.40m, totals["globex"]);
        Assert.Equal(5.88m, totals["initech"]);
        Assert.Equal(119.92m, totals.Values.Sum());
        Assert.Equal(0.60m, beforeCorrection.Values.Sum() - totals.Values.Sum());

        var unpriced = await ScalarsAsync(pipeline, "select unpriced_requests, unpriced_tokens, total from truecost.cost_hourly where tenant = 'globex' and model like 'ft:%'");
        Assert.Equal([1m, 1_100m, 2.70m], unpriced);
        Assert.Contains(await new CostQueries(pipeline.DataSource, ledger).IssuesAsync(Day, Day.AddDays(1), CancellationToken.None),
            i => i.Kind == AllocationIssue.UnpricedUsage && i.Subject == "openai/ft:gpt-4o-mini-2024-07-18:acme::B1x" && i.Tokens == 1_100);
        Assert.Equal(
            [1m],
            await ScalarsAsync(pipeline, "select count(*) from truecost.priced_usage where tenant = 'globex' and provider = 'anthropic' and model = 'claude-sonnet-4-5-20250929' and price like 'litellm excerpt%'"));
        Assert.Equal(
            [1m],
            await ScalarsAsync(pipeline, "select count(*) from truecost.allocation_audit where hour = '2026-11-16T10:00:00Z' and conversions::text like '%ECB reference rate%' and conversions::text like '%1.08%' and id = (select max(id) from truecost.allocation_audit where hour = '2026-11-16T10:00:00Z')"));

        var rules = await host.Services.GetRequiredService<LedgerRulesSource>().CurrentAsync(CancellationToken.None);
        var verifier = new LedgerVerifier(pipeline.DataSource, ledger, rules);
        var report = await verifier.VerifyAsync(Day, Day.AddDays(1), CancellationToken.None);
        Assert.True(report.Passed, string.Join("; ", report.Differences.Select(d => $"{d.Hour:HH} {d.What} {d.Expected} vs {d.Actual}").Concat(report.Notes)));
        Assert.Equal(119.92m, report.Allocated);

        await using (var tamper = pipeline.DataSource.CreateCommand(
            "update truecost.cost_hourly set direct_inference = direct_inference + 0.01, total = total + 0.01 where tenant = 'initech'"))
        {
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync());
        }

        var broken = await verifier.VerifyAsync(Day, Day.AddDays(1), CancellationToken.None);
        var difference = Assert.Single(broken.Differences, d => d.What == "total");
        Assert.Equal((Day.AddHours(14), 5.88m, 5.89m), (difference.Hour, difference.Expected, difference.Actual));
    }

    private static IEnumerable<SyntheticRecord> RequestLogs()
    {
        // OpenAI instrumentation (OpenTelemetry semantic conventions): provider.name, dated response model, cache reads inside input_tokens.
        yield return Request("chatcmpl-AZb2k9Qx", "2026-11-16T10:12:44.130Z", "/chat", "acme", """
            "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.usage.input_tokens": 1000000, "gen_ai.usage.output_tokens": 100000, "gen_ai.usage.cache_read.input_tokens": 400000
            """);

        // OpenLLMetry's Anthropic instrumentation: gen_ai.system "Anthropic", input = uncached + cache read + cache creation.
        yield return Request("msg_01XFDUDYJgAACzvnptvVoYEL", "2026-11-16T10:20:03.002Z", "/agent", "globex", """
            "gen_ai.system": "Anthropic", "gen_ai.request.model": "claude-sonnet-4-5", "gen_ai.response.model": "claude-sonnet-4-5-20250929",
            "gen_ai.usage.input_tokens": 2000000, "gen_ai.usage.output_tokens": 20000,
            "gen_ai.usage.cache_read_input_tokens": 1500000, "gen_ai.usage.cache_creation_input_tokens": 200000
            """);

        // A fine-tuned model no price map knows: counted, never a silent $0.
        yield return Request("chatcmpl-AZb3ft77", "2026-11-16T10:31:00Z", "/chat", "globex", """
            "gen_ai.provider.name": "openai", "gen_ai.request.model": "ft:gpt-4o-mini-2024-07-18:acme::B1x",
            "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100
            """);

        // A self-hosted vLLM call on the H100 pool.
        yield return Request("cmpl-9f0c1d2e", "2026-11-16T10:45:10.5Z", "/summarize", "acme", """
            "gen_ai.provider.name": "vllm", "gen_ai.request.model": "meta-llama/Llama-3.1-70B-Instruct",
            "gen_ai.usage.input_tokens": 4000, "gen_ai.usage.output_tokens": 1000, "serving_mode": "self_hosted", "gpu_pool": "h100-pool"
            """);

        yield return Request("chatcmpl-AZb9Lm20", "2026-11-16T14:02:19.877Z", "/chat", "initech", """
            "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06",
            "gen_ai.usage.input_tokens": 2000000, "gen_ai.usage.output_tokens": 200000
            """);
    }

    private static SyntheticRecord Request(string id, string at, string route, string tenant, string genAi)
    {
        var serving = genAi.Contains("serving_mode", StringComparison.Ordinal) ? string.Empty : "\"serving_mode\": \"api\",";
        var json = $$"""
            { "request_id": "{{id}}", "timestamp": "{{at}}", "route": "{{route}}", "tenant": "{{tenant}}", {{serving}}
              "traffic_class": "interactive", "status": "ok", "latency_ms": 1840.5, {{genAi}} }
            """;
        return new SyntheticRecord(Topics.RequestLogs, id, Encoding.UTF8.GetBytes(json), Valid: true);
    }

    private static List<SyntheticRecord> Focus(string csv, string fileName)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(csv));
        var rows = new FocusCsvReader(TimeProvider.System).Read(stream, fileName).ToList();
        Assert.All(rows, r => Assert.True(r.Record is not null, r.Error));
        return [.. rows.Select(r => new SyntheticRecord(Topics.InvoiceLines, r.Record!.LineId, JsonSerializer.SerializeToUtf8Bytes(r.Record, WireJson.Options), Valid: true))];
    }

    private const string Header =
        "BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ChargeClass,ChargeFrequency,ChargeDescription," +
        "ProviderName,ServiceProviderName,InvoiceIssuerName,ServiceCategory,ServiceSubcategory,ServiceName,ResourceId,SkuId,SkuPriceDetails,PricingCategory,PricingQuantity,PricingUnit," +
        "ConsumedQuantity,ConsumedUnit,ListCost,BilledCost,EffectiveCost,InvoiceId,Tags\n";

    /// <summary>OpenAI's month: per-model token lines for the day at a negotiated price (list 10.00).</summary>
    private static string OpenAiExport(string outputCost) => Header +
        "org-Jx7QpA,Acme AI,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,2026-11-16T00:00:00Z,2026-11-17T00:00:00Z,Usage,,Usage-Based,\"Input tokens, gpt-4o-2024-08-06\"," +
        "OpenAI,OpenAI,OpenAI,AI and Machine Learning,Generative AI,OpenAI API,,gpt-4o-2024-08-06-input,\"{\"\"ModelId\"\":\"\"gpt-4o-2024-08-06\"\",\"\"TokenDirection\"\":\"\"Input\"\",\"\"TokenCacheAction\"\":\"\"Uncached\"\"}\",Committed,3.0,1000000 Tokens," +
        "3000000,Tokens,7.00,6.00,6.00,inv_2026_11,\n" +
        "org-Jx7QpA,Acme AI,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,2026-11-16T00:00:00Z,2026-11-17T00:00:00Z,Usage,,Usage-Based,\"Output tokens, gpt-4o-2024-08-06\"," +
        "OpenAI,OpenAI,OpenAI,AI and Machine Learning,Generative AI,OpenAI API,,gpt-4o-2024-08-06-output,\"{\"\"ModelId\"\":\"\"gpt-4o-2024-08-06\"\",\"\"TokenDirection\"\":\"\"Output\"\"}\",Committed,0.3,1000000 Tokens," +
        $"300000,Tokens,3.00,{outputCost},{outputCost},inv_2026_11,\n";

    /// <summary>An AWS CUR-style FOCUS row: nothing names TrueCost's pool, only the EKS node group's tag does.</summary>
    private const string AwsExport = Header +
        "123456789012,acme-ai-prod,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,2026-11-16T10:00:00Z,2026-11-16T11:00:00Z,Usage,,Usage-Based,\"p5.48xlarge On-Demand Linux, per instance hour\"," +
        "AWS,AWS,AWS,Compute,,Amazon Elastic Compute Cloud,i-0a4f2c9e7b1d30561,HZ3E8RCXMWNKQ6W4,\"{\"\"InstanceType\"\":\"\"p5.48xlarge\"\",\"\"GpuCount\"\":8,\"\"OperatingSystem\"\":\"\"Linux\"\"}\",Standard,1,Hours," +
        "1,Hours,98.32,98.32,98.32,,\"{\"\"eks:nodegroup-name\"\":\"\"gpu-h100-a\"\",\"\"eks:cluster-name\"\":\"\"inference-prod\"\",\"\"team\"\":\"\"inference\"\"}\"\n";

    /// <summary>An observability vendor billing in EUR.</summary>
    private const string LangfuseExport = Header +
        "lf-org-4471,Acme AI,EUR,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,2026-11-16T10:00:00Z,2026-11-16T11:00:00Z,Usage,,Usage-Based,Traces and observations," +
        "Langfuse GmbH,Langfuse GmbH,Langfuse GmbH,Management and Governance,Observability,Langfuse,,pro-traces,,Standard,1,Units,,,10.00,10.00,10.00,LF-2026-11-0007,\n";

    /// <summary>Entries in the shape of LiteLLM's model_prices_and_context_window.json, with its documentation entry.</summary>
    private const string PriceMapExcerpt = """
        {
          "sample_spec": { "max_tokens": "LEGACY parameter. set to max_output_tokens if provider specifies it. IF not set to max_input_tokens, if provider specifies it.",
            "input_cost_per_token": 0.0000, "output_cost_per_token": 0.000, "litellm_provider": "one of https://docs.litellm.ai/docs/providers", "mode": "one of: chat, embedding, completion, image_generation, audio_transcription, audio_speech, image_generation, moderation, rerank", "supports_function_calling": true },
          "gpt-4o-2024-08-06": { "cache_read_input_token_cost": 1.25e-06, "input_cost_per_token": 2.5e-06, "input_cost_per_token_batches": 1.25e-06,
            "litellm_provider": "openai", "max_input_tokens": 128000, "max_output_tokens": 16384, "max_tokens": 16384, "mode": "chat",
            "output_cost_per_token": 1e-05, "output_cost_per_token_batches": 5e-06, "supports_function_calling": true, "supports_prompt_caching": true },
          "claude-sonnet-4-5-20250929": { "cache_creation_input_token_cost": 3.75e-06, "cache_read_input_token_cost": 3e-07,
            "input_cost_per_token": 3e-06, "input_cost_per_token_above_200k_tokens": 6e-06, "litellm_provider": "anthropic",
            "max_input_tokens": 200000, "max_output_tokens": 64000, "mode": "chat", "output_cost_per_token": 1.5e-05, "output_cost_per_token_above_200k_tokens": 2.25e-05 }
        }
        """;

    private static async Task<Dictionary<string, decimal>> TenantTotalsAsync(PipelineUnderTest pipeline)
    {
        var totals = new Dictionary<string, decimal>();
        await using var cmd = pipeline.DataSource.CreateCommand("select tenant, sum(total) from truecost.cost_hourly where hour >= '2026-11-16' and hour < '2026-11-17' group by tenant");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            totals[r.GetString(0)] = r.GetDecimal(1);
        }

        return totals;
    }

    private static async Task<decimal[]> ScalarsAsync(PipelineUnderTest pipeline, string sql)
    {
        await using var cmd = pipeline.DataSource.CreateCommand(sql);
        await using var r = await cmd.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync(), sql);
        return [.. Enumerable.Range(0, r.FieldCount).Select(i => Convert.ToDecimal(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))];
    }
}
