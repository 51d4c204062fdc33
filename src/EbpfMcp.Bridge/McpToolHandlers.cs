using System.Text.Json;
using EbpfMcp.Bridge.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge;

/// <summary>tools/list and tools/call over the reflected catalog, for both transports.</summary>
public sealed class McpToolHandlers(ToolCatalog catalog, ToolInvoker invoker, BridgeOptions options)
{
    public const string StdioOwner = "stdio";

    public IEnumerable<ToolDefinition> Visible => catalog.All.Where(t => options.AllowDeploy || !t.ChangesKernel);

    public ValueTask<ListToolsResult> ListAsync(RequestContext<ListToolsRequestParams> request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ListToolsResult { Tools = [.. Visible.Select(t => t.ToProtocol())] });

    public async ValueTask<CallToolResult> CallAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var name = request.Params?.Name ?? "";
        var tool = catalog.Find(name);
        if (tool is null)
        {
            throw new McpProtocolException($"Unknown tool '{name}'. tools/list names the tools this server has.", McpErrorCode.InvalidParams);
        }
        if (tool.ChangesKernel && !options.AllowDeploy)
        {
            throw new McpProtocolException($"Tool '{tool.Name}' changes the kernel and is disabled: start ebpf-mcp with --allow-deploy to enable it.", McpErrorCode.InvalidParams);
        }
        var server = request.Server;
        var token = request.Params?.ProgressToken;
        Func<ProgressNotificationValue, Task>? progress = token is { } t
            ? value => server.NotifyProgressAsync(t, value, cancellationToken: CancellationToken.None)
            : null;
        var threshold = LogThreshold(server, request.JsonRpcRequest.Context);
        var sink = new ToolInvoker.Sink(progress, (level, message) => level >= threshold ? Log(server, level, message) : Task.CompletedTask, threshold <= LoggingLevel.Debug);
        return await invoker.CallAsync(tool, request.Params?.Arguments as IReadOnlyDictionary<string, JsonElement>, OwnerOf(server), sink, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Installations made through a session belong to it: the HTTP session id, or "stdio".</summary>
    public static string OwnerOf(McpServer server) => server.SessionId is { Length: > 0 } id ? "mcp-session:" + id : StdioOwner;

    /// <summary>
    /// The least severe level to send: for 2025-11-25 sessions what logging/setLevel said (Info
    /// before it is called); for 2026-07-28 requests the per-request level, and none when absent.
    /// </summary>
    private static LoggingLevel LogThreshold(McpServer server, JsonRpcMessageContext? context)
    {
        bool modern = string.CompareOrdinal(context?.ProtocolVersion ?? "", "2026-07-28") >= 0;
        return modern ? context?.LogLevel ?? (LoggingLevel)int.MaxValue : server.LoggingLevel ?? LoggingLevel.Info;
    }

    private static Task Log(McpServer server, LoggingLevel level, string message)
    {
        return server.SendNotificationAsync(NotificationMethods.LoggingMessageNotification, new LoggingMessageNotificationParams
        {
            Level = level,
            Logger = "EbpfMcp",
            Data = JsonSerializer.SerializeToElement(message),
        });
    }
}
