using System.Text.Json;
using EbpfMcp.Bridge.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge.Resources;

/// <summary>
/// Reads a resource by running its command through the tool invoker, as the session that asks:
/// the result is the tool's structuredContent (items, count, total, truncated, trace totals). A
/// failed call is a JSON-RPC error, since resources/read has no isError: resource not found when
/// the command says the map or trace does not exist, else the error's facts in the message.
/// </summary>
public sealed class ResourceReader(BridgeEngine engine)
{
    /// <summary>The error ids (before the command's name) that mean "no such thing".</summary>
    private static readonly string[] NotFoundIds = ["MapNotFound", "TraceNotFound", "ProgramNotFound"];

    public async Task<JsonElement> ReadAsync(ResourceCall call, McpServer server, CancellationToken cancellationToken)
    {
        if (call.Invalid is { } why)
        {
            throw ResourceCall.NotFoundError(server, why);
        }
        var parts = await engine.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
        var tool = parts.Catalog.Find(call.Command)
            ?? throw new McpProtocolException($"The command behind this resource ({call.Command}) is not served by this bridge.", McpErrorCode.InternalError);
        var result = await parts.Invoker.CallAsync(tool, call.Arguments, McpToolHandlers.OwnerOf(server), new ToolInvoker.Sink(null, null), cancellationToken).ConfigureAwait(false);
        var structured = result.StructuredContent ?? default;
        if (result.IsError == true && structured.TryGetProperty("error", out var error))
        {
            var errorId = error.GetProperty("errorId").GetString() ?? "";
            var message = error.GetProperty("message").GetString();
            if (NotFoundIds.Any(id => errorId == id || errorId.StartsWith(id + ",", StringComparison.Ordinal)))
            {
                throw ResourceCall.NotFoundError(server, $"Resource not found: {message}");
            }
            throw new McpProtocolException($"{call.Command} failed: Error {errorId} ({error.GetProperty("category").GetString()}): {message}", McpErrorCode.InternalError);
        }
        return structured;
    }
}
