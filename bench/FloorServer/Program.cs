// usage: FloorServer <port> <answers.json> [fixed|awaited|handed-off|handed-off-spinning]
// answers.json: { "<tool name>": <CallToolResult as the bridge returned it>, ... }
// The handler: fixed (the floor) answers on the request's thread; awaited yields once first, as any
// handler with asynchronous work does; handed-off gives each call to a worker thread that answers
// it, as a server doing blocking work off the request threads does (the bridge's runspaces), its
// worker sleeping on a monitor between calls as the bridge's do, or spinning a little first
// (BlockingCollection). The others only calibrate the floor (`./bench/run --floors`): what that
// much costs on this machine.
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

var port = int.Parse(args[0]);
var answers = JsonNode.Parse(File.ReadAllText(args[1]))!.AsObject()
    .ToDictionary(p => p.Key, p => JsonSerializer.Deserialize<CallToolResult>(p.Value!.ToJsonString())!);
var emptySchema = JsonSerializer.Deserialize<JsonElement>("""{"type":"object","properties":{}}""");
McpRequestHandler<CallToolRequestParams, CallToolResult> callTool = (args.Length > 2 ? args[2] : "fixed") switch
{
    "fixed" => (request, _) => ValueTask.FromResult(answers[request.Params!.Name]),
    "awaited" => Awaited(answers),
    "handed-off" => HandedOff(answers),
    "handed-off-spinning" => HandedOffSpinning(answers),
    var mode => throw new ArgumentException($"unknown handler '{mode}': fixed, awaited, handed-off or handed-off-spinning"),
};

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
        o.Handlers.CallToolHandler = callTool;
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

// Each call yields the request's thread once, then answers.
static McpRequestHandler<CallToolRequestParams, CallToolResult> Awaited(Dictionary<string, CallToolResult> answers) =>
    async (request, _) =>
    {
        await Task.Yield();
        return answers[request.Params!.Name];
    };

// One worker thread answers each call; the caller continues on the thread pool, as the bridge's
// callers do when a runspace worker ends their pipeline. The worker sleeps on a monitor, as the
// bridge's do (a BlockingCollection spins before it sleeps).
static McpRequestHandler<CallToolRequestParams, CallToolResult> HandedOff(Dictionary<string, CallToolResult> answers)
{
    var calls = new Queue<(string Name, TaskCompletionSource<CallToolResult> Answer)>();
    new Thread(() =>
    {
        while (true)
        {
            (string Name, TaskCompletionSource<CallToolResult> Answer) call;
            lock (calls)
            {
                while (calls.Count == 0)
                {
                    Monitor.Wait(calls);
                }
                call = calls.Dequeue();
            }
            call.Answer.SetResult(answers[call.Name]);
        }
    })
    { IsBackground = true, Name = "floor worker" }.Start();
    return (request, _) =>
    {
        var answer = new TaskCompletionSource<CallToolResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (calls)
        {
            calls.Enqueue((request.Params!.Name, answer));
            Monitor.Pulse(calls);
        }
        return new ValueTask<CallToolResult>(answer.Task);
    };
}

// The same with a queue whose worker spins before it sleeps.
static McpRequestHandler<CallToolRequestParams, CallToolResult> HandedOffSpinning(Dictionary<string, CallToolResult> answers)
{
    var calls = new System.Collections.Concurrent.BlockingCollection<(string Name, TaskCompletionSource<CallToolResult> Answer)>();
    new Thread(() =>
    {
        foreach (var (name, answer) in calls.GetConsumingEnumerable())
        {
            answer.SetResult(answers[name]);
        }
    })
    { IsBackground = true, Name = "floor worker" }.Start();
    return (request, _) =>
    {
        var answer = new TaskCompletionSource<CallToolResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        calls.Add((request.Params!.Name, answer));
        return new ValueTask<CallToolResult>(answer.Task);
    };
}
