using System.Text.Json;

namespace EbpfMcp.Bridge.Http;

/// <summary>
/// Answers requests the MCP transport cannot deserialize (for example an initialize whose params
/// lack required fields, which the SDK lets escape as an exception) with a JSON-RPC error and 400,
/// instead of a bare 500.
/// </summary>
public sealed class MalformedRequestGuard(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (JsonException e) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                jsonrpc = "2.0",
                id = (object?)null,
                error = new { code = -32602, message = "Invalid params: " + e.Message },
            }));
        }
    }
}
