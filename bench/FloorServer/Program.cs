// usage: FloorServer <port> <answers.json>
// answers.json: { "<tool name>": <CallToolResult as the bridge returned it>, ... }
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

var port = int.Parse(args[0]);
var answers = JsonNode.Parse(File.ReadAllText(args[1]))!.AsObject()
    .ToDictionary(p => p.Key, p => JsonSerializer.Deserialize<CallToolResult>(p.Value!.ToJsonString())!);
var emptySchema = JsonSerializer.Deserialize<JsonElement>("""{"type":"object","properties":{}}""");

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
builder.Services.AddMcpServer(o =>
    {
        o.ServerInfo = new Implementation { Name = "floor", Version = "1" };
        o.Handlers.ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult
        {
            Tools = [.. answers.Keys.Select(name => new Tool { Name = name, InputSchema = emptySchema })],
        });
        o.Handlers.CallToolHandler = (request, _) => ValueTask.FromResult(answers[request.Params!.Name]);
    })
    .WithHttpTransport(http =>
    {
        // As the bridge serves: stateful sessions.
        http.SessionMode = ModelContextProtocol.AspNetCore.HttpServerSessionMode.Stateful;
        http.IdleTimeout = TimeSpan.FromMinutes(30);
    });
var app = builder.Build();
app.MapMcp("/mcp");
await app.StartAsync();
Console.WriteLine($"floor listening on {port}");
await app.WaitForShutdownAsync();
