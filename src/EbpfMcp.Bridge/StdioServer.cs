using EbpfMcp.Bridge.Ownership;

namespace EbpfMcp.Bridge;

/// <summary>MCP over stdin/stdout. The session ends at EOF: what it installed is removed then.</summary>
public static class StdioServer
{
    public static async Task<int> RunAsync(McpToolHandlers handlers, SessionInstallations installations)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMcpServer(ServerInfo.Configure)
            .WithStdioServerTransport()
            .WithListToolsHandler(handlers.ListAsync)
            .WithCallToolHandler(handlers.CallAsync);
        using var app = builder.Build();
        try
        {
            await app.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            var removed = installations.RemoveAll(McpToolHandlers.StdioOwner);
            if (removed > 0)
            {
                Console.Error.WriteLine($"ebpf-mcp: session ended, removed {removed} installation(s).");
            }
        }
        return 0;
    }
}
