using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TrueCost.Ledger.Storage;
using TrueCost.Reporting.Messaging;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>A running reporting worker for one test: its database, its bus (RabbitMQ virtual host or in memory), probes on both.</summary>
public sealed class ReportingHost : IAsyncDisposable
{
    private readonly IHost _host;

    private ReportingHost(IHost host, NpgsqlDataSource dataSource, ReportingBusOptions options)
    {
        _host = host;
        DataSource = dataSource;
        Options = options;
    }

    public NpgsqlDataSource DataSource { get; }

    public ReportingBusOptions Options { get; }

    public BusProbe Probe { get; } = new();

    public LogSink Logs { get; } = new();

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    public WeeklyReportStore Store => _host.Services.GetRequiredService<WeeklyReportStore>();

    public IServiceProvider Services => _host.Services;

    /// <summary>Fast retries (three attempts) and no schedule, so tests see the whole retry path in about a second.</summary>
    public static ReportingBusOptions TestOptions(ReportingTransport transport, RabbitMqConnection? rabbit = null) => new()
    {
        Transport = transport,
        RabbitMq = rabbit ?? new RabbitMqConnection(),
        OutputDirectory = Directory.CreateTempSubdirectory("truecost-reports-").FullName,
        Retry = new RetryOptions { Limit = 2, MinInterval = TimeSpan.FromMilliseconds(50), MaxInterval = TimeSpan.FromMilliseconds(300), IntervalDelta = TimeSpan.FromMilliseconds(100) },
        Schedule = new ScheduleOptions { Enabled = false },
    };

    /// <param name="configure">More services (registered before the bus, so they replace its defaults, e.g. the clock).</param>
    /// <param name="bus">More consumers.</param>
    public static async Task<ReportingHost> StartAsync(
        string postgres, ReportingBusOptions options, Action<IServiceCollection>? configure = null, Action<IBusRegistrationConfigurator>? bus = null)
    {
        var dataSource = NpgsqlDataSource.Create(postgres);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new LedgerOptions());
        builder.Services.AddSingleton(dataSource);
        configure?.Invoke(builder.Services);
        builder.Services.AddReportingBus(options, bus);
        var host = new ReportingHost(builder.Build(), dataSource, options);
        host._host.Services.GetRequiredService<ILoggerFactory>().AddProvider(host.Logs);
        host.Bus.ConnectConsumeObserver(host.Probe);
        await host._host.StartAsync();
        return host;
    }

    /// <summary>Warnings and errors the worker logged, for a failing test's message.</summary>
    public string Problems() =>
        string.Join(" | ", Logs.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => $"{e.Level} {e.Category}: {e.Message}"));

    public async Task<long> CountAsync(string sql)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await DataSource.DisposeAsync();
        Directory.Delete(Options.OutputDirectory, recursive: true);
    }
}
