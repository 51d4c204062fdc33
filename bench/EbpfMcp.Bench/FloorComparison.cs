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

    public static async Task MeasureAsync(BenchEnvironment env, HttpBridgeProcess bridge, ResultTable table, int clients, int callsPerClient)
    {
        // The floor answers what the bridge answered: same payload sizes on the wire.
        await using var probe = await bridge.ConnectAsync();
        var answers = new JsonObject();
        foreach (var (tool, arguments) in Mix.DistinctBy(m => m.Tool))
        {
            var result = await probe.CallToolAsync(tool, arguments);
            answers[tool] = JsonSerializer.SerializeToNode(result);
        }
        var answersFile = Path.Combine(env.Work, "floor-answers.json");
        File.WriteAllText(answersFile, answers.ToJsonString());
        int port = FreePort();
        using var floor = Run.Background("dotnet", env.FloorServer, port.ToString(), answersFile);
        floor.WaitForOutput("floor listening", TimeSpan.FromSeconds(30));
        Func<Task<McpClient>> floorClient = () => McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{port}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }), new McpClientOptions { ProtocolVersion = "2025-11-25" });

        // Both servers tier their code up for tens of seconds under this load (the JIT's background
        // thread took a quarter of the bridge's CPU 30 s in, and the floor's CPU per call fell 3×):
        // full rounds alternate until each server's last three agree within 10% (see Settled), so
        // what is compared is the steady state of two long-running servers, not their warm-up.
        var warm = (Floor: new List<Load.Result>(), Bridge: new List<Load.Result>());
        while (warm.Bridge.Count < MaxWarmRounds && (warm.Bridge.Count < MinWarmRounds || !Settled(warm.Floor) || !Settled(warm.Bridge)))
        {
            warm.Floor.Add(await Load.RunAsync(floorClient, clients, callsPerClient, Mix, floor.Process.Id));
            warm.Bridge.Add(await Load.RunAsync(bridge.ConnectAsync, clients, callsPerClient, Mix, bridge.Pid));
            Progress("warm-up", warm.Floor[^1], warm.Bridge[^1]);
        }
        var floors = new List<Load.Result>();
        var bridges = new List<Load.Result>();
        for (int round = 0; round < MeasuredRounds; round++)
        {
            floors.Add(await Load.RunAsync(floorClient, clients, callsPerClient, Mix, floor.Process.Id));
            bridges.Add(await Load.RunAsync(bridge.ConnectAsync, clients, callsPerClient, Mix, bridge.Pid));
            Progress("measured", floors[^1], bridges[^1]);
        }
        File.Delete(answersFile);
        double Mean(List<Load.Result> runs, Func<Load.Result, double> f) => runs.Average(f);
        string name = $"load: {clients} clients × {callsPerClient} read calls";
        double throughput = Mean(bridges, r => r.CallsPerSecond), floorThroughput = Mean(floors, r => r.CallsPerSecond);
        double p99 = Mean(bridges, r => r.P99), floorP99 = Mean(floors, r => r.P99);
        // Not a target: on a noisy machine the rounds may not settle; the measured ones follow the last warm-up round.
        table.Add($"{name}, warm-up rounds ({(Settled(warm.Floor) && Settled(warm.Bridge) ? "settled" : "did not settle")})", warm.Bridge.Count, "rounds");
        table.Add($"{name}, first round after start, server CPU per call", warm.Bridge[0].ServerCpuPerCall, "ms", warm.Floor[0].ServerCpuPerCall, "SDK floor server");
        table.Add($"{name}, throughput", throughput, "calls/s", floorThroughput, "SDK floor server", "≥ 0.9× floor", throughput >= 0.9 * floorThroughput);
        table.Add($"{name}, p99", p99, "ms", floorP99, "SDK floor server", "≤ 1.25× floor (ratio ≥ 0.8×)", p99 <= 1.25 * floorP99);
        table.Add($"{name}, p50", Mean(bridges, r => r.P50), "ms", Mean(floors, r => r.P50), "SDK floor server");
        // Less noisy than throughput on a shared machine: what each call costs the server itself.
        table.Add($"{name}, server CPU per call", Mean(bridges, r => r.ServerCpuPerCall), "ms", Mean(floors, r => r.ServerCpuPerCall), "SDK floor server");
        int failed = warm.Bridge.Concat(bridges).Sum(r => r.Failed);
        table.Add($"{name}, failed calls (all rounds)", failed, "calls", target: "0", pass: failed == 0);
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

    private static void Progress(string phase, Load.Result floor, Load.Result bridge) =>
        Console.Error.WriteLine($"load {phase}: floor {floor.CallsPerSecond:F0} calls/s, {floor.ServerCpuPerCall:F3} ms CPU/call, p99 {floor.P99:F1} ms; bridge {bridge.CallsPerSecond:F0} calls/s, {bridge.ServerCpuPerCall:F3} ms CPU/call, p99 {bridge.P99:F1} ms");

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
