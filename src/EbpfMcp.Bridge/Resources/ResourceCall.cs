using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge.Resources;

/// <summary>
/// What a resource URI stands for: a command and its arguments (as a tool call's JSON arguments),
/// or why the URI names nothing (<paramref name="Invalid"/>: a map id that is not a number).
/// </summary>
public sealed record ResourceCall(string Command, IReadOnlyDictionary<string, JsonElement> Arguments, string? Invalid = null)
{
    public static ResourceCall Of(string command, object? arguments = null) =>
        new(command, arguments is null ? new Dictionary<string, JsonElement>() : JsonSerializer.SerializeToElement(arguments).Deserialize<Dictionary<string, JsonElement>>()!);

    public static ResourceCall NotFound(string why) => new("", new Dictionary<string, JsonElement>(), why);

    /// <summary>The JSON-RPC error for a URI that names nothing: resource not found (invalid params from the 2026-07-28 revision on, as the SDK does).</summary>
    public static McpProtocolException NotFoundError(McpServer server, string message) =>
        new(message, string.CompareOrdinal(server.NegotiatedProtocolVersion ?? "", "2026-07-28") >= 0 ? McpErrorCode.InvalidParams : McpErrorCode.ResourceNotFound);
}
