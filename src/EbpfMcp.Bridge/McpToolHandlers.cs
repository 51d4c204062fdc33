using System.Text.Json;
using EbpfMcp.Bridge.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge;

/// <summary>
/// The tools as the SDK's tools (one <see cref="McpServerTool"/> per command), for both
/// transports, plus the answer for names the SDK does not find: another spelling of a tool's
/// name, a deploy tool while deploys are off, or no tool at all. What is listed comes from the
/// tool listing, at once; a call waits for the engine (PowerShell) and runs the reflected command.
/// </summary>
public sealed class McpToolHandlers(ToolListing listing, BridgeEngine engine, BridgeOptions options, AuditLog audit)
{
    public const string StdioOwner = "stdio";

    private ToolListing listing = listing;

    public IEnumerable<ToolListing.Entry> Visible => listing.Tools.Where(t => options.AllowDeploy || !t.ChangesKernel);

    /// <summary>The listing as it stands (after <see cref="Learn"/>, with what this kernel can run).</summary>
    public ToolListing Listing => listing;

    /// <summary>Arguments described once for all the tools that share them.</summary>
    public IReadOnlyDictionary<string, string> SharedParameters => options.Hosts is { } hosts
        ? new Dictionary<string, string>(listing.SharedParameters) { [Fleet.FleetHosts.ComputerNameArgument] = hosts.Description }
        : listing.SharedParameters;

    public IReadOnlyList<string> SharedOutputs => listing.SharedOutputs;

    /// <summary>
    /// Takes what the engine learnt (which tracers this kernel cannot run, said in their
    /// descriptions) into the listing; returns the names of the tools whose entry changed.
    /// </summary>
    public IReadOnlyList<string> Learn(ToolCatalog catalog)
    {
        var changed = listing.Tools.Where(e => catalog.Find(e.Name) is { } t && t.Description != e.Description).Select(e => e.Name).ToList();
        if (changed.Count > 0)
        {
            listing = ToolListing.From(catalog, listing.Key);
        }
        return changed;
    }

    /// <summary>Longest foreground trace call, in seconds.</summary>
    public int MaxCallSeconds => options.MaxCallSeconds;

    /// <summary>The tools/list entries and their tools/call handlers.</summary>
    public IEnumerable<McpServerTool> Tools => Visible.Select(t => new CommandTool(options.Hosts is null ? t : Fleet.FleetHosts.Offer(t), this));

    /// <summary>tools/call for a name no listed tool has exactly.</summary>
    public ValueTask<CallToolResult> CallUnlistedAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var name = request.Params?.Name ?? "";
        var tool = listing.Find(name);
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

    /// <remarks>Once the engine is up, not async itself: the call's own task is the answer, with no state machine here.</remarks>
    private ValueTask<CallToolResult> CallAsync(ToolListing.Entry entry, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        if (engine.IfReady is not { } parts)
        {
            return CallWhenReadyAsync(entry, request, cancellationToken);
        }
        try
        {
            return new ValueTask<CallToolResult>(CallWith(parts, entry, request, cancellationToken));
        }
        catch (McpProtocolException e)
        {
            return ValueTask.FromException<CallToolResult>(e);
        }
    }

    private async ValueTask<CallToolResult> CallWhenReadyAsync(ToolListing.Entry entry, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var parts = await engine.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await CallWith(parts, entry, request, cancellationToken).ConfigureAwait(false);
    }

    private Task<CallToolResult> CallWith(BridgeEngine.Parts parts, ToolListing.Entry entry, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        var tool = parts.Catalog.Find(entry.Name) ?? throw new McpProtocolException($"Tool '{entry.Name}' is no longer served.", McpErrorCode.InvalidParams);
        var server = request.Server;
        var token = request.Params?.ProgressToken;
        Func<ProgressNotificationValue, Task>? progress = token is { } t
            ? value => server.NotifyProgressAsync(t, value, cancellationToken: CancellationToken.None)
            : null;
        var threshold = LogThreshold(server, request.JsonRpcRequest.Context);
        var sink = new ToolInvoker.Sink(progress, (level, message) => level >= threshold ? Log(server, level, message) : Task.CompletedTask, threshold <= LoggingLevel.Debug);
        return parts.Invoker.CallAsync(tool, request.Params?.Arguments as IReadOnlyDictionary<string, JsonElement>, OwnerOf(server), sink, cancellationToken);
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
    private sealed class CommandTool(ToolListing.Entry definition, McpToolHandlers handlers) : McpServerTool
    {
        public override Tool ProtocolTool => definition.ToProtocol();

        public override IReadOnlyList<object> Metadata => [];

        public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken) =>
            handlers.CallAsync(definition, request, cancellationToken);
    }
}
