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
    "handed-off" => HandedOff(answers, new SleepingQueue()),
    "handed-off-spinning" => HandedOff(answers, new SpinningQueue()),
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

// One worker thread answers each call, taking it from the queue given; the caller continues on
// the thread pool, as the bridge's callers do when a runspace worker ends their pipeline.
static McpRequestHandler<CallToolRequestParams, CallToolResult> HandedOff(Dictionary<string, CallToolResult> answers, ICallQueue calls)
{
    new Thread(() =>
    {
        foreach (var (name, answer) in calls.Taken())
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

internal interface ICallQueue
{
    void Add((string Name, TaskCompletionSource<CallToolResult> Answer) call);

    IEnumerable<(string Name, TaskCompletionSource<CallToolResult> Answer)> Taken();
}

/// <summary>The worker sleeps on a monitor between calls, as the bridge's runspace workers do.</summary>
internal sealed class SleepingQueue : ICallQueue
{
    private readonly Queue<(string Name, TaskCompletionSource<CallToolResult> Answer)> calls = new();

    public void Add((string Name, TaskCompletionSource<CallToolResult> Answer) call)
    {
        lock (calls)
        {
            calls.Enqueue(call);
            Monitor.Pulse(calls);
        }
    }

    public IEnumerable<(string Name, TaskCompletionSource<CallToolResult> Answer)> Taken()
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
            yield return call; // answered outside the lock
        }
    }
}

/// <summary>The worker spins a little before it sleeps (a BlockingCollection).</summary>
internal sealed class SpinningQueue : ICallQueue
{
    private readonly System.Collections.Concurrent.BlockingCollection<(string Name, TaskCompletionSource<CallToolResult> Answer)> calls = new();

    public void Add((string Name, TaskCompletionSource<CallToolResult> Answer) call) => calls.Add(call);

    public IEnumerable<(string Name, TaskCompletionSource<CallToolResult> Answer)> Taken() => calls.GetConsumingEnumerable();
}
