using System.Text.Json;

namespace EbpfMcp.Bridge.Http;

/// <summary>
/// Answers requests the MCP transport cannot deserialize (for example an initialize whose params
/// lack required fields, which the SDK lets escape as an exception) with a JSON-RPC error and 400,
/// instead of a bare 500; and records bodies refused for their size (413) in the audit log.
/// </summary>
public sealed class MalformedRequestGuard(RequestDelegate next, AuditLog audit)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e)
        {
            audit.Refusal(null, null, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? "RequestTooLarge" : "BadRequest", e.Message, e.StatusCode);
            throw;
        }
        catch (JsonException e) when (!context.Response.HasStarted)
        {
            await JsonRpcBody.WriteErrorAsync(context, null, StatusCodes.Status400BadRequest, -32602, "Invalid params: " + e.Message);
        }
    }
}
