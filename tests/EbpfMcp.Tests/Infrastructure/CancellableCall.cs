using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// tools/call with a request id the test chooses, so the test can send notifications/cancelled for
/// it (the client's own calls keep their ids to themselves).
/// </summary>
public static class CancellableCall
{
    public static Task<JsonRpcResponse> StartToolCall(this McpClient client, string id, string tool, string argumentsJson) =>
        client.SendRequestAsync(new JsonRpcRequest
        {
            Id = new RequestId(id),
            Method = RequestMethods.ToolsCall,
            Params = new JsonObject { ["name"] = tool, ["arguments"] = JsonNode.Parse(argumentsJson) },
        });

    public static Task CancelAsync(this McpClient client, string id) =>
        client.SendNotificationAsync(NotificationMethods.CancelledNotification, new CancelledNotificationParams { RequestId = new RequestId(id), Reason = "test" });
}
