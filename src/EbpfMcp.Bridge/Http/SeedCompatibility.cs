using System.Text.Json;
using System.Text.Json.Nodes;
using EbpfMcp.Bridge.Tools;

namespace EbpfMcp.Bridge.Http;

/// <summary>
/// The original project's calls on POST /mcp, answered without an MCP handshake and in the
/// original shapes: {"method":"tools/call","params":{"tool":"info"|"hooks_inspect"|"deploy",...}}.
/// Modern MCP requests (params.name) pass through to the Streamable HTTP transport.
/// </summary>
public sealed class SeedCompatibility(RequestDelegate next, BridgeEngine engine, BridgeOptions options, AuditLog audit)
{
    // The seed's tool names and the cmdlets that now answer them.
    private static readonly Dictionary<string, string> SeedTools = new()
    {
        ["info"] = "Get-BpfKernelInfo",
        ["hooks_inspect"] = "Get-BpfHook",
        ["deploy"] = "Install-BpfProgram",
    };

    /// <summary>Deploys through the seed API have no MCP session: they stay until the bridge exits.</summary>
    public const string Owner = "seed-api";

    // A request of a running session (most of them) goes on without a state machine of this middleware.
    public Task InvokeAsync(HttpContext context) =>
        JsonRpcBody.IsSessionlessPost(context.Request) ? SessionlessPostAsync(context) : next(context);

    private async Task SessionlessPostAsync(HttpContext context)
    {
        var request = await JsonRpcBody.PeekAsync(context);
        if (JsonRpcBody.Method(request) != "tools/call" || request!["params"] is not JsonObject p
            || p["tool"]?.GetValueKind() != JsonValueKind.String || p["name"] is not null)
        {
            await next(context);
            return;
        }
        JsonObject response;
        try
        {
            response = await AnswerAsync((string)p["tool"]!, p, context.RequestAborted);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or KeyNotFoundException)
        {
            // A shape the seed API did not expect: an error the caller can read, never a bare 500.
            response = Error(-32603, $"The request could not be answered: {e.Message}");
        }
        response["jsonrpc"] = "2.0";
        response["id"] = request["id"]?.DeepClone();
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString(JsonOutput.TextOptions));
    }

    private async Task<JsonObject> AnswerAsync(string seedTool, JsonObject parameters, CancellationToken cancellationToken)
    {
        var parts = await engine.Ready.WaitAsync(cancellationToken);
        if (!SeedTools.TryGetValue(seedTool, out var cmdlet) || parts.Catalog.Find(cmdlet) is not { } tool)
        {
            return Error(-32602, $"Unknown tool '{seedTool}'. The original API knows info, hooks_inspect and deploy; MCP clients see every tool through tools/list.");
        }
        if (tool.ChangesKernel && !options.AllowDeploy)
        {
            audit.Refusal(Owner, tool.Name, "DeployDisabled", "deploy through the seed API without --allow-deploy.");
            return Error(-32000, "deploy is disabled: start ebpf-mcp with --allow-deploy to enable it.");
        }
        var input = parameters["args"] as JsonObject ?? (parameters["input"] as JsonObject)?["args"] as JsonObject ?? parameters["input"] as JsonObject ?? [];
        var arguments = new Dictionary<string, JsonElement>();
        if (seedTool == "deploy")
        {
            if (input["program_path"] is not JsonValue path || path.GetValueKind() != JsonValueKind.String)
            {
                return Error(-32602, "deploy needs args.program_path, a string.");
            }
            var attach = input["attach"];
            if (attach is not null && attach.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                return Error(-32602, $"deploy's args.attach must be true or false, not {attach.ToJsonString()}.");
            }
            arguments["Path"] = JsonSerializer.SerializeToElement(path);
            arguments["Attach"] = JsonSerializer.SerializeToElement(attach?.GetValue<bool>() ?? true);
        }
        var result = await parts.Invoker.CallAsync(tool, arguments, Owner, new ToolInvoker.Sink(null, null), cancellationToken);
        var structured = JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!.AsObject();
        if (result.IsError == true)
        {
            var error = structured["error"]!.AsObject();
            return Error(-32000, (string?)error["message"] ?? "failed", error.DeepClone());
        }
        var items = structured["items"]!.AsArray();
        return new JsonObject
        {
            ["result"] = seedTool switch
            {
                "info" => SnakeCase(items.FirstOrDefault()?.AsObject() ?? []),
                "hooks_inspect" => new JsonObject
                {
                    ["programs"] = new JsonArray([.. items.Select(h => (JsonNode)new JsonObject
                    {
                        ["id"] = h!["Id"]?.DeepClone(),
                        ["type"] = h["Type"]?.DeepClone(),
                        ["name"] = h["Name"]?.DeepClone(),
                        ["attached_to"] = h["AttachedTo"]?.DeepClone(),
                        ["pinned"] = h["Pinned"]?.DeepClone(),
                    })]),
                },
                _ => Deployed(items.First()!.AsObject()),
            }
        };
    }

    private static JsonObject Deployed(JsonObject installation) => new()
    {
        ["loaded"] = true,
        ["installation_id"] = installation["Id"]?.DeepClone(),
        ["programs_loaded"] = installation["ProgramCount"]?.DeepClone(),
        ["maps_loaded"] = installation["MapCount"]?.DeepClone(),
        ["program_ids"] = new JsonArray([.. installation["Programs"]!.AsArray().Select(p => p!["Id"]!.DeepClone())]),
        ["map_ids"] = new JsonArray([.. installation["Maps"]!.AsArray().Select(m => m!["Id"]!.DeepClone())]),
    };

    private static JsonObject SnakeCase(JsonObject o) =>
        new(o.Select(kv => KeyValuePair.Create(JsonNamingPolicy.SnakeCaseLower.ConvertName(kv.Key), kv.Value?.DeepClone())));

    private static JsonObject Error(int code, string message, JsonNode? data = null) =>
        new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["data"] = data } };
}
