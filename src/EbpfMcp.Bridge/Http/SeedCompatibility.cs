using System.Text.Json;
using System.Text.Json.Nodes;
using EbpfMcp.Bridge.Tools;

namespace EbpfMcp.Bridge.Http;

/// <summary>
/// The original project's calls on POST /mcp, answered without an MCP handshake and in the
/// original shapes: {"method":"tools/call","params":{"tool":"info"|"hooks_inspect"|"deploy",...}}.
/// Modern MCP requests (params.name) pass through to the Streamable HTTP transport.
/// </summary>
public sealed class SeedCompatibility(RequestDelegate next, ToolCatalog catalog, ToolInvoker invoker, BridgeOptions options)
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

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Headers.ContainsKey("Mcp-Session-Id"))
        {
            await next(context);
            return;
        }
        context.Request.EnableBuffering();
        JsonNode? request = null;
        try
        {
            request = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            // Not JSON, or not ours: let the MCP transport give its own answer.
        }
        context.Request.Body.Position = 0;
        if (request is not JsonObject o || o["method"]?.GetValueKind() != JsonValueKind.String || (string?)o["method"] != "tools/call"
            || o["params"] is not JsonObject p || p["tool"]?.GetValueKind() != JsonValueKind.String || p["name"] is not null)
        {
            await next(context);
            return;
        }
        var id = o["id"]?.DeepClone();
        var seedTool = (string)p["tool"]!;
        var response = await AnswerAsync(seedTool, p, context.RequestAborted);
        response["jsonrpc"] = "2.0";
        response["id"] = id;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(response.ToJsonString());
    }

    private async Task<JsonObject> AnswerAsync(string seedTool, JsonObject parameters, CancellationToken cancellationToken)
    {
        if (!SeedTools.TryGetValue(seedTool, out var cmdlet) || catalog.Find(cmdlet) is not { } tool)
        {
            return Error(-32602, $"Unknown tool '{seedTool}'. The original API knows info, hooks_inspect and deploy; MCP clients see every tool through tools/list.");
        }
        if (tool.ChangesKernel && !options.AllowDeploy)
        {
            return Error(-32000, "deploy is disabled: start ebpf-mcp with --allow-deploy to enable it.");
        }
        var input = parameters["args"] as JsonObject ?? (parameters["input"] as JsonObject)?["args"] as JsonObject ?? parameters["input"] as JsonObject ?? [];
        var arguments = new Dictionary<string, JsonElement>();
        if (seedTool == "deploy")
        {
            if (input["program_path"] is not JsonNode path)
            {
                return Error(-32602, "deploy needs args.program_path.");
            }
            arguments["Path"] = JsonSerializer.SerializeToElement(path);
            arguments["Attach"] = JsonSerializer.SerializeToElement(input["attach"]?.GetValue<bool>() ?? true);
        }
        var result = await invoker.CallAsync(tool, arguments, Owner, new ToolInvoker.Sink(null, null), cancellationToken);
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
                    ["programs"] = new JsonArray(items.Select(h => (JsonNode)new JsonObject
                    {
                        ["id"] = h!["Id"]?.DeepClone(),
                        ["type"] = h["Type"]?.DeepClone(),
                        ["name"] = h["Name"]?.DeepClone(),
                        ["attached_to"] = h["AttachedTo"]?.DeepClone(),
                        ["pinned"] = h["Pinned"]?.DeepClone(),
                    }).ToArray()),
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
        ["program_ids"] = new JsonArray(installation["Programs"]!.AsArray().Select(p => p!["Id"]!.DeepClone()).ToArray()),
        ["map_ids"] = new JsonArray(installation["Maps"]!.AsArray().Select(m => m!["Id"]!.DeepClone()).ToArray()),
    };

    private static JsonObject SnakeCase(JsonObject o) =>
        new(o.Select(kv => KeyValuePair.Create(JsonNamingPolicy.SnakeCaseLower.ConvertName(kv.Key), kv.Value?.DeepClone())));

    private static JsonObject Error(int code, string message, JsonNode? data = null) =>
        new() { ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["data"] = data } };
}
