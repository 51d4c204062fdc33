using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;

namespace EbpfMcp.Bench;

/// <summary>
/// The bridge under load against its floor: a minimal server on the same MCP C# SDK and transport
/// settings (bench/FloorServer) that answers the same tool names with what the bridge answered,
/// fixed, with no PowerShell behind it. Both are driven by the same load generator, alternately, in
/// the same run: what the bridge costs beyond the SDK is the difference.
/// </summary>
public static class FloorComparison
{
    /// <summary>Read calls of the mix, with the arguments a client would send.</summary>
    private static readonly (string Tool, Dictionary<string, object?> Arguments)[] Mix =
    [
        ("Get-BpfHook", new()),
        ("Get-BpfKernelInfo", new()),
        ("Get-BpfMap", new()),
        ("Get-BpfHook", new()),
        ("Get-BpfTrace", new()),
    ];

    /// <summary>Target 5: the bridge against the floor.</summary>
    public static async Task MeasureAsync(BenchEnvironment env, HttpBridgeProcess bridge, ResultTable table, int clients, int callsPerClient)
    {
        string answers = await WriteAnswersAsync(env, bridge);
        using var floor = FloorProcess.Start(env, answers, "fixed");
        var measured = await CompareAsync(floor.Server, new Server("bridge", bridge.ConnectAsync, bridge.Pid), clients, callsPerClient);
        File.Delete(answers);
        string name = $"load: {clients} clients × {callsPerClient} read calls";
        // Not a target: on a noisy machine the rounds may not settle; the measured ones follow the last warm-up round.
        table.Add($"{name}, warm-up rounds ({(measured.Settled ? "settled" : "did not settle")})", measured.WarmRounds, "rounds");
        table.Add($"{name}, first round after start, server CPU per call", measured.FirstServerCpuPerCall, "ms", measured.FirstFloorCpuPerCall, "SDK floor server");
        table.Add($"{name}, throughput", measured.Throughput, "calls/s", measured.FloorThroughput, "SDK floor server", "≥ 0.9× floor", measured.Throughput >= 0.9 * measured.FloorThroughput);
        table.Add($"{name}, p99", measured.P99, "ms", measured.FloorP99, "SDK floor server", "≤ 1.25× floor (ratio ≥ 0.8×)", measured.P99 <= 1.25 * measured.FloorP99);
        table.Add($"{name}, p50", measured.P50, "ms", measured.FloorP50, "SDK floor server");
        // Less noisy than throughput on a shared machine: what each call costs the server itself.
        table.Add($"{name}, server CPU per call", measured.ServerCpuPerCall, "ms", measured.FloorCpuPerCall, "SDK floor server");
        table.Add($"{name}, failed calls (all rounds)", measured.Failed, "calls", target: "0", pass: measured.Failed == 0);
    }

    /// <summary>
    /// What target 5's bar means on this machine: the floor against itself with a handler that
    /// awaits once, and with one that hands each call to a worker thread and back (what any server
    /// doing blocking work off its request threads pays before doing it), the worker sleeping
    /// between calls or spinning first. Measured as the bridge is; no targets.
    /// </summary>
    public static async Task CalibrateAsync(BenchEnvironment env, HttpBridgeProcess bridge, ResultTable table, int clients, int callsPerClient)
    {
        string answers = await WriteAnswersAsync(env, bridge);
        using var floor = FloorProcess.Start(env, answers, "fixed");
        foreach (var handler in new[] { "awaited", "handed-off", "handed-off-spinning" })
        {
            using var variant = FloorProcess.Start(env, answers, handler);
            var measured = await CompareAsync(floor.Server, variant.Server, clients, callsPerClient);
            string name = $"floor, {handler} handler: {clients} × {callsPerClient}";
            table.Add($"{name}, throughput", measured.Throughput, "calls/s", measured.FloorThroughput, "SDK floor server", "(target 5 asks the bridge ≥ 0.9×)");
            table.Add($"{name}, p99", measured.P99, "ms", measured.FloorP99, "SDK floor server", "(≤ 1.25×, ratio ≥ 0.8×)");
            table.Add($"{name}, server CPU per call", measured.ServerCpuPerCall, "ms", measured.FloorCpuPerCall, "SDK floor server");
            table.Add($"{name}, failed calls (all rounds)", measured.Failed, "calls", target: "0", pass: measured.Failed == 0);
        }
        File.Delete(answers);
    }

    /// <summary>A server the load generator drives: how to connect, and the process whose CPU is counted.</summary>
    private sealed record Server(string Name, Func<Task<McpClient>> ConnectAsync, int Pid);

    private sealed record Comparison(
        double Throughput, double FloorThroughput, double P99, double FloorP99, double P50, double FloorP50,
        double ServerCpuPerCall, double FloorCpuPerCall, double FirstServerCpuPerCall, double FirstFloorCpuPerCall,
        int WarmRounds, bool Settled, int Failed);

    /// <summary>
    /// Alternate full rounds against the floor and the server until both have settled, then the
    /// means of three more each.
    /// </summary>
    private static async Task<Comparison> CompareAsync(Server floor, Server server, int clients, int callsPerClient)
    {
        // Both servers tier their code up for tens of seconds under this load (the JIT's background
        // thread took a quarter of the bridge's CPU 30 s in, and the floor's CPU per call fell 3×):
        // full rounds alternate until each server's last three agree within 10% (see Settled), so
        // what is compared is the steady state of two long-running servers, not their warm-up.
        var warm = (Floor: new List<Load.Result>(), Server: new List<Load.Result>());
        while (warm.Server.Count < MaxWarmRounds && (warm.Server.Count < MinWarmRounds || !Settled(warm.Floor) || !Settled(warm.Server)))
        {
            warm.Floor.Add(await Load.RunAsync(floor.ConnectAsync, clients, callsPerClient, Mix, floor.Pid));
            warm.Server.Add(await Load.RunAsync(server.ConnectAsync, clients, callsPerClient, Mix, server.Pid));
            Progress("warm-up", server.Name, warm.Floor[^1], warm.Server[^1]);
        }
        var floors = new List<Load.Result>();
        var servers = new List<Load.Result>();
        for (int round = 0; round < MeasuredRounds; round++)
        {
            floors.Add(await Load.RunAsync(floor.ConnectAsync, clients, callsPerClient, Mix, floor.Pid));
            servers.Add(await Load.RunAsync(server.ConnectAsync, clients, callsPerClient, Mix, server.Pid));
            Progress("measured", server.Name, floors[^1], servers[^1]);
        }
        return new Comparison(
            servers.Average(r => r.CallsPerSecond), floors.Average(r => r.CallsPerSecond),
            servers.Average(r => r.P99), floors.Average(r => r.P99),
            servers.Average(r => r.P50), floors.Average(r => r.P50),
            servers.Average(r => r.ServerCpuPerCall), floors.Average(r => r.ServerCpuPerCall),
            warm.Server[0].ServerCpuPerCall, warm.Floor[0].ServerCpuPerCall,
            warm.Server.Count, Settled(warm.Floor) && Settled(warm.Server),
            warm.Server.Concat(servers).Sum(r => r.Failed));
    }

    /// <summary>The floor answers what the bridge answered: same payload sizes on the wire.</summary>
    private static async Task<string> WriteAnswersAsync(BenchEnvironment env, HttpBridgeProcess bridge)
    {
        await using var probe = await bridge.ConnectAsync();
        var answers = new JsonObject();
        foreach (var (tool, arguments) in Mix.DistinctBy(m => m.Tool))
        {
            var result = await probe.CallToolAsync(tool, arguments);
            answers[tool] = JsonSerializer.SerializeToNode(result);
        }
        var answersFile = Path.Combine(env.Work, "floor-answers.json");
        File.WriteAllText(answersFile, answers.ToJsonString());
        return answersFile;
    }

    /// <summary>bench/FloorServer on a free port, with one of its handlers.</summary>
    private sealed class FloorProcess : IDisposable
    {
        private readonly BackgroundProcess process;

        private FloorProcess(BackgroundProcess process, Server server)
        {
            this.process = process;
            Server = server;
        }

        public Server Server { get; }

        public static FloorProcess Start(BenchEnvironment env, string answersFile, string handler)
        {
            int port = FreePort();
            var process = Run.Background("dotnet", env.FloorServer, port.ToString(), answersFile, handler);
            process.WaitForOutput("floor listening", TimeSpan.FromSeconds(30));
            return new FloorProcess(process, new Server(handler, () => McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri($"http://127.0.0.1:{port}/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
            }), new McpClientOptions { ProtocolVersion = "2025-11-25" }), process.Process.Id));
        }

        public void Dispose() => process.Dispose();
    }

    private const int MinWarmRounds = 5, MaxWarmRounds = 20, MeasuredRounds = 3;

    /// <summary>The last three rounds' CPU per call are within 10% of their mean.</summary>
    private static bool Settled(List<Load.Result> rounds)
    {
        if (rounds.Count < 3)
        {
            return false;
        }
        var last = rounds[^3..].Select(r => r.ServerCpuPerCall).ToList();
        return last.Max() - last.Min() < 0.1 * last.Average();
    }

    private static void Progress(string phase, string name, Load.Result floor, Load.Result server) =>
        Console.Error.WriteLine($"load {phase}: floor {floor.CallsPerSecond:F0} calls/s, {floor.ServerCpuPerCall:F3} ms CPU/call, p99 {floor.P99:F1} ms; {name} {server.CallsPerSecond:F0} calls/s, {server.ServerCpuPerCall:F3} ms CPU/call, p99 {server.P99:F1} ms");

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
