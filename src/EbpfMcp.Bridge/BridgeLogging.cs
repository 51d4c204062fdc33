using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace EbpfMcp.Bridge;

/// <summary>
/// The bridge's log on stderr (stdout belongs to the protocol in stdio mode): one line per message,
/// "ebpf-mcp: level: message". An exception adds its message; its stack trace only at Debug and
/// below (--log-level), since expected failures (a client that hung up, a bad request) need no stack.
/// </summary>
public static class BridgeLogging
{
    public static void Configure(ILoggingBuilder logging, LogLevel level)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        if (level > LogLevel.Information)
        {
            // ASP.NET's hosting logs requests at Information and Debug only, yet while its logger is
            // enabled at all it starts an Activity and a log scope for every request (an allocation
            // and an AsyncLocal that each later continuation of the request carries). Above
            // Information none of its lines would be written, so it is switched off.
            logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        }
        logging.AddConsole(o =>
        {
            o.LogToStandardErrorThreshold = LogLevel.Trace;
            o.FormatterName = BriefFormatter.Name;
        });
        logging.AddConsoleFormatter<BriefFormatter, BriefFormatter.Options>(o => o.WithStackTraces = level <= LogLevel.Debug);
    }

    public static ILoggerFactory Create(LogLevel level) => LoggerFactory.Create(logging => Configure(logging, level));

    private sealed class BriefFormatter(IOptionsMonitor<BriefFormatter.Options> options) : ConsoleFormatter(Name)
    {
        public new const string Name = "ebpf-mcp";

        public sealed class Options : ConsoleFormatterOptions
        {
            public bool WithStackTraces { get; set; }
        }

        public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopes, TextWriter writer)
        {
            var message = entry.Formatter?.Invoke(entry.State, entry.Exception);
            if (message is null && entry.Exception is null)
            {
                return;
            }
            writer.Write($"ebpf-mcp: {entry.LogLevel.ToString().ToLowerInvariant()}: {message}");
            if (entry.Exception is { } e)
            {
                writer.Write(options.CurrentValue.WithStackTraces ? $"\n{e}" : $" ({e.GetType().Name}: {e.Message})");
            }
            writer.WriteLine();
        }
    }
}
