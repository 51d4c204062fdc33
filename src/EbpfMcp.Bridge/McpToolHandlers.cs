using System.Text.Json;
using EbpfMcp.Bridge.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge;

/// <summary>
/// The reflected catalog as the SDK's tools (one <see cref="McpServerTool"/> per command), for
/// both transports, plus the answer for names the SDK does not find: another spelling of a tool's
/// name, a deploy tool while deploys are off, or no tool at all.
/// </summary>
public sealed class McpToolHandlers(ToolCatalog catalog, ToolInvoker invoker, BridgeOptions options, AuditLog audit)
{
    public const string StdioOwner = "stdio";

    public IEnumerable<ToolDefinition> Visible => catalog.All.Where(t => options.AllowDeploy || !t.ChangesKernel);

    /// <summary>Arguments described once for all the tools that share them.</summary>
    public IReadOnlyDictionary<string, string> SharedParameters => catalog.SharedParameters;

    public IReadOnlyList<string> SharedOutputs => catalog.SharedOutputs;

    /// <summary>Longest foreground trace call, in seconds.</summary>
    public int MaxCallSeconds => options.MaxCallSeconds;

    /// <summary>The tools/list entries and their tools/call handlers.</summary>
    public IEnumerable<McpServerTool> Tools => Visible.Select(t => new CommandTool(t, this));

    /// <summary>tools/call for a name no listed tool has exactly.</summary>
    public ValueTask<CallToolResult> CallUnlistedAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var name = request.Params?.Name ?? "";
        var tool = catalog.Find(name);
        var owner = OwnerOf(request.Server);
        if (tool is null)
        {
            audit.Refusal(owner, name, "UnknownTool", "No such tool.");
            throw new McpProtocolException($"Unknown tool '{name}'. tools/list names the tools this server has.", McpErrorCode.InvalidParams);
        }
        if (tool.ChangesKernel && !options.AllowDeploy)
        {
            audit.Refusal(owner, tool.Name, "DeployDisabled", "Deploy tools are disabled (no --allow-deploy).");
            throw new McpProtocolException($"Tool '{tool.Name}' changes the kernel and is disabled: start ebpf-mcp with --allow-deploy to enable it.", McpErrorCode.InvalidParams);
        }
        return CallAsync(tool, request, cancellationToken);
    }

    private async ValueTask<CallToolResult> CallAsync(ToolDefinition tool, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
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

    /// <summary>One command as the SDK's tool: its reflected definition, invoked through the bridge.</summary>
    private sealed class CommandTool(ToolDefinition definition, McpToolHandlers handlers) : McpServerTool
    {
        public override Tool ProtocolTool => definition.ToProtocol();

        public override IReadOnlyList<object> Metadata => [];

        public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken) =>
            handlers.CallAsync(definition, request, cancellationToken);
    }
}
