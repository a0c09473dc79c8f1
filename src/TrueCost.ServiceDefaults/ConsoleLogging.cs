using Microsoft.Extensions.Logging;

namespace TrueCost.ServiceDefaults;

public static class ConsoleLogging
{
    /// <summary>Replaces the logging providers with one console logger in <paramref name="format"/>, timestamps in UTC.</summary>
    public static ILoggingBuilder AddTrueCostConsole(this ILoggingBuilder logging, LogFormat format)
    {
        logging.ClearProviders();
        return format == LogFormat.Json
            ? logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            })
            : logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.UseUtcTimestamp = true;
            });
    }
}
