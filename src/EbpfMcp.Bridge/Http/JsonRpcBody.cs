using System.Text.Json;
using System.Text.Json.Nodes;

namespace EbpfMcp.Bridge.Http;

/// <summary>
/// The JSON-RPC message of a POST as the guards see it: read once (within the body cap), kept for
/// the next guard, and rewound so the MCP transport reads the same bytes.
/// </summary>
public static class JsonRpcBody
{
    public static async Task<JsonObject?> PeekAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(typeof(JsonRpcBody), out var cached))
        {
            return cached as JsonObject;
        }
        context.Request.EnableBuffering();
        JsonNode? message = null;
        try
        {
            message = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            // Not JSON: the MCP transport gives its own answer.
        }
        context.Request.Body.Position = 0;
        context.Items[typeof(JsonRpcBody)] = message as JsonObject;
        return message as JsonObject;
    }

    /// <summary>A POST outside any session: an initialize, or a seed call. Requests of running sessions carry Mcp-Session-Id.</summary>
    public static bool IsSessionlessPost(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && !request.Headers.ContainsKey("Mcp-Session-Id");

    /// <summary>The method of a request, when it has a string one.</summary>
    public static string? Method(JsonObject? message) =>
        message?["method"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? (string?)v : null;

    /// <summary>A JSON-RPC error response for the request (its id, when it has a usable one).</summary>
    public static Task WriteErrorAsync(HttpContext context, JsonObject? request, int status, int code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var id = request?["id"] is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? v.DeepClone() : null;
        return context.Response.WriteAsync(new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = id,
            ["error"] = new JsonObject { ["code"] = code, ["message"] = message },
        }.ToJsonString());
    }
}
