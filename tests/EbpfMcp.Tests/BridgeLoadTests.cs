using System.Net.Sockets;
using System.Text;
using EbpfMcp.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests;

/// <summary>
/// Several agents at once, hostile input, and the trace limit: the bridge keeps answering, loses
/// no call and leaks nothing. Bounded in count and time; loopback only. (Figures: ./bench/run.)
/// </summary>
public sealed class BridgeLoadTests
{
    /// <summary>
    /// Fds a leak would show in (files, pipes, BPF objects), and threads. Sockets are the clients'
    /// connections, and assemblies are mapped once per process when first needed: neither counts.
    /// </summary>
    private static (int Fds, int Threads) Resources(int pid) =>
        (FdTargets(pid).Count,
         int.Parse(File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("Threads:"))[8..].Trim()));

    private static int Sockets(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd").Count(f => { try { return new FileInfo(f).LinkTarget?.StartsWith("socket:") == true; } catch (IOException) { return false; } });

    [Fact]
    public async Task ThirtyTwoClientsTwoHundredCallsEachNoFailureNoLeak()
    {
        KernelPrerequisites.Require();
        var (map, mapId) = TestMaps.HashWithoutBtf("ebpfmcp_load", Enumerable.Range(0, 16).Select(k => (uint)k), k => k * 3UL);
        using var mapHandle = map;
        var programsBefore = KernelPrograms.Ids();
        await using var bridge = await HttpBridge.StartAsync("--max-traces", "64", "--pool", "8");
        await using (var first = await bridge.McpClientAsync())
        {
            await first.CallToolAsync("Get-BpfKernelInfo"); // PowerShell up: its own sockets are there too
        }
        await Task.Delay(500);
        int ownSockets = Sockets(bridge.Process.Id); // the listener, the runtime's and PowerShell's own, with no client
        var clients = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => bridge.McpClientAsync()));

        int failures = 0, calls = 0;
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        async Task Round(int perClient, bool count)
        {
            await Task.WhenAll(clients.Select(async client =>
            {
                for (int i = 0; i < perClient; i++)
                {
                    var (tool, args) = (i % 50) switch
                    {
                        7 => ("Trace-BpfSyscallError", new Dictionary<string, object?> { ["Duration"] = 0.05, ["First"] = 5 }),
                        var n when n % 2 == 0 => ("Get-BpfHook", new Dictionary<string, object?>()),
                        _ => ("Get-BpfMap", new Dictionary<string, object?> { ["Id"] = new[] { mapId }, ["Dump"] = true }),
                    };
                    var result = await client.CallToolAsync(tool, args);
                    if (!count)
                    {
                        continue;
                    }
                    Interlocked.Increment(ref calls);
                    if (result.IsError == true)
                    {
                        Interlocked.Increment(ref failures);
                        errors.Add(result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text ?? tool);
                    }
                    else if (tool == "Get-BpfMap" && result.StructuredContent!.Value.GetProperty("count").GetInt32() != 16)
                    {
                        Interlocked.Increment(ref failures);
                        errors.Add("map dump incomplete");
                    }
                }
            })).WaitAsync(TimeSpan.FromMinutes(5));
        }

        // Warm up with the same clients and mix, so the pool, connections and caches are all in place.
        await Round(20, count: false);
        await Task.Delay(500);
        var before = Resources(bridge.Process.Id);
        await Round(100, count: true);
        var middle = Resources(bridge.Process.Id);
        var middleTargets = FdTargets(bridge.Process.Id);
        await Round(100, count: true);

        Assert.Equal(32 * 200, calls);
        Assert.True(failures == 0, $"{failures} failed calls: {string.Join(" | ", errors.Take(3))}");
        // Afterwards, with the same clients still connected: no fd or thread grew per call. A per-call
        // leak grows with the calls, so the second 3,200 calls must add nothing over the first; a
        // few files the runtime opens once (assemblies first needed under load) may appear early.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        (int Fds, int Threads) after;
        // Sockets settle too: a connection a client has just closed stays open here until Kestrel reads its end.
        int socketBound = ownSockets + 3 * clients.Length;
        while (((after = Resources(bridge.Process.Id)).Fds > middle.Fds + 1 || after.Threads > before.Threads + 8 || Sockets(bridge.Process.Id) > socketBound) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
        Assert.True(after.Fds <= middle.Fds + 1, $"fds grew during the second half: {middle.Fds} → {after.Fds}: new {string.Join(", ", FdTargets(bridge.Process.Id).Except(middleTargets))}");
        Assert.True(after.Fds <= before.Fds + 8, $"fds grew: {before.Fds} → {after.Fds}: {FdKinds(bridge.Process.Id)}");
        // Beyond its own, sockets are the clients' connections: a few per client at most, however many calls were made.
        Assert.True(Sockets(bridge.Process.Id) <= socketBound, $"sockets ({ownSockets} before the clients): {FdKinds(bridge.Process.Id)}");
        Assert.True(after.Threads <= before.Threads + 8, $"threads grew: {before.Threads} → {after.Threads}");
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
        KernelPrograms.AssertReturnsTo(programsBefore); // nothing of the load stays in the kernel
        Assert.False(bridge.Process.HasExited);
    }

    [Fact]
    public async Task TracesBeyondTheLimitAreRefusedNotQueued()
    {
        KernelPrerequisites.Require();
        await using var client = await BridgeProcess.StdioClientAsync("--max-traces", "1");
        // A first call waits for PowerShell to be up; timed here is only the refusal.
        await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "warm" });
        var first = client.CallToolAsync("Measure-BpfTestWait", new Dictionary<string, object?> { ["Seconds"] = 3 }).AsTask();
        await Task.Delay(500);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var second = await client.CallToolAsync("Trace-BpfSyscallError", new Dictionary<string, object?> { ["Duration"] = 1 });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), "the excess call was queued, not refused");
        Assert.True(second.IsError);
        Assert.Equal("TooManyTraces", second.StructuredContent!.Value.GetProperty("error").GetProperty("errorId").GetString());
        Assert.Equal("ResourceBusy", second.StructuredContent!.Value.GetProperty("error").GetProperty("category").GetString());
        Assert.NotEqual(true, (await first).IsError);
        // The slot is free again.
        Assert.NotEqual(true, (await client.CallToolAsync("Measure-BpfTestWait", new Dictionary<string, object?> { ["Seconds"] = 1 })).IsError);
    }

    [Fact]
    public async Task FuzzedAndSlowRequestsNeverStopTheServer()
    {
        await using var bridge = await HttpBridge.StartAsync();
        using var http = bridge.NewHttpClient();
        var random = new Random(20261124);
        string[] methods = ["initialize", "tools/list", "tools/call", "ping", "logging/setLevel", "notifications/cancelled", "resources/list", "x"];

        // Slowloris: connections that send half a request and stall, held open during the fuzzing.
        var stalled = new List<TcpClient>();
        for (int i = 0; i < 20; i++)
        {
            var c = new TcpClient();
            await c.ConnectAsync("127.0.0.1", bridge.Port);
            await c.GetStream().WriteAsync(Encoding.ASCII.GetBytes($"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{bridge.Port}\r\nContent-Length: 100000\r\n"));
            stalled.Add(c);
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (int i = 0; i < 300 && DateTime.UtcNow < deadline; i++)
        {
            byte[] body = (i % 6) switch
            {
                0 => RandomBytes(random, random.Next(1, 4096)),                                   // garbage, invalid UTF-8
                1 => Encoding.UTF8.GetBytes(new string('[', random.Next(100, 20000))),             // deep nesting
                2 => Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":{random.Next()},\"method\":\"{methods[random.Next(methods.Length)]}\",\"params\":{{\"name\":\"{new string('x', random.Next(1, 200000))}\"}}}}"),
                3 => Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":{random.Next()},\"method\":\"tools/call\",\"params\":{{\"name\":\"Get-BpfTestEcho\",\"arguments\":{{\"Text\":{random.Next()},\"Count\":\"{random.Next()}\"}}}}}}"),
                4 => Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":\"{Guid.NewGuid()}\",\"method\":\"{methods[random.Next(methods.Length)]}\"" + (random.Next(2) == 0 ? "" : "}")),
                _ => [.. Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"x\":\""), .. RandomBytes(random, 64), .. "\"}"u8.ToArray()],
            };
            var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            if (random.Next(3) == 0)
            {
                request.Headers.Add("Mcp-Session-Id", Guid.NewGuid().ToString("N"));
            }
            var response = await http.SendAsync(request);
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for fuzz case {i}");
        }

        // Throughout, valid requests are answered.
        await using var client = await bridge.McpClientAsync();
        var ok = await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "still here" });
        Assert.Equal("still here", ok.StructuredContent!.Value.GetProperty("items")[0].GetProperty("Text").GetString());
        Assert.False(bridge.Process.HasExited);
        stalled.ForEach(c => c.Dispose());
    }

    private static List<string> FdTargets(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd").Select(f => { try { return Path.GetFileName(f) + "→" + new FileInfo(f).LinkTarget; } catch (IOException) { return "gone"; } })
            .Where(t => !t.Contains("socket:") && !t.EndsWith(".dll", StringComparison.Ordinal)).ToList();

    /// <summary>What a process's fds point at, counted by kind (socket, anon_inode:bpf-map, ...).</summary>
    private static string FdKinds(int pid) =>
        string.Join(", ", Directory.GetFiles($"/proc/{pid}/fd")
            .Select(f => { try { return new FileInfo(f).LinkTarget ?? "?"; } catch (IOException) { return "gone"; } })
            .Select(t => t.StartsWith("socket:") ? "socket" : t.StartsWith("pipe:") ? "pipe" : t.StartsWith('/') ? "file" : t)
            .GroupBy(t => t).OrderByDescending(g => g.Count()).Select(g => $"{g.Key}×{g.Count()}"));

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
