using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TrueCost.IntegrationTests.Reporting;

/// <summary>Keeps what the host logged, so a test can assert that a failure was reported.</summary>
public sealed class LogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                sink._entries.Enqueue((logLevel, category, exception is null ? formatter(state, null) : $"{formatter(state, exception)}: {exception.GetType().Name}: {exception.Message}"));
            }
        }
    }
}
