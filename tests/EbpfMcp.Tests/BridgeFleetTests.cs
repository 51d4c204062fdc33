using System.Diagnostics;
using System.Text.Json;
using EbpfMcp.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests;

/// <summary>
/// Fleets for agents (#18.4): one bridge started with --hosts fans a read-only tool out to the two
/// SSH nodes (PowerShell remoting over SSH, both on this kernel) and to a third name where nothing
/// listens: the nodes' items merged with their node, the unreachable node's error named, bounded
/// concurrency, and no way to reach a host outside the list.
/// </summary>
public sealed class BridgeFleetTests(SshNodes nodes) : IClassFixture<SshNodes>
{
    private static JsonElement Structured(CallToolResult r) => r.StructuredContent ?? throw new Xunit.Sdk.XunitException("no structuredContent");

    private static JsonElement Error(CallToolResult r) => Structured(r).GetProperty("error");

    private Task<McpClient> FleetClientAsync(params string[] arguments) =>
        BridgeProcess.StdioClientAsync(o => o.EnvironmentVariables = nodes.Environment, ["--hosts", nodes.HostsFile, .. arguments]);

    private static List<string> Nodes(JsonElement items) => [.. items.EnumerateArray().Select(i => i.GetProperty("node").GetString()!).Order()];

    [Fact]
    public async Task AnAgentGetsTheHooksOfBothNodesAndTheUnreachableNodeIsNamed()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        await using (var client = await FleetClientAsync("--allow-deploy"))
        {
            var installed = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.Counter, ["Attach"] = true });
            Assert.NotEqual(true, installed.IsError);
            var id = Structured(installed).GetProperty("items")[0].GetProperty("Programs")[0].GetProperty("Id").GetUInt32();

            var here = Structured(await client.CallToolAsync("Get-BpfHook", new Dictionary<string, object?> { ["Id"] = new[] { id } })).GetProperty("items");
            Assert.Equal(1, here.GetArrayLength());
            Assert.False(here[0].TryGetProperty("node", out _)); // without ComputerName: this node, as before

            var fleet = await client.CallToolAsync("Get-BpfHook", new Dictionary<string, object?> { ["Id"] = new[] { id }, ["ComputerName"] = new[] { "node1", "node2", nodes.Unreachable } });
            Assert.NotEqual(true, fleet.IsError); // one unreachable node does not fail the call
            var s = Structured(fleet);
            var items = s.GetProperty("items");
            Assert.Equal(["node1", "node2"], Nodes(items));
            Assert.Equal(2, s.GetProperty("count").GetInt32());
            Assert.Equal(2, s.GetProperty("total").GetInt32());
            foreach (var item in items.EnumerateArray())
            {
                // The nodes' deserialized objects render as this node's object does, plus the node.
                // (InstalledBy and LoadedBy are what the loading process knows: this bridge, not the node's pwsh.)
                Assert.Equal(Structured(installed).GetProperty("items")[0].GetProperty("Id").GetString(), here[0].GetProperty("InstalledBy").GetString());
                Assert.True(here[0].TryGetProperty("LoadedBy", out _));
                Assert.False(item.TryGetProperty("InstalledBy", out _) || item.TryGetProperty("LoadedBy", out _));
                foreach (var property in here[0].EnumerateObject().Where(p => p.Name is not ("RunCount" or "RunTimeNs" or "LoadedAt" or "InstalledBy" or "LoadedBy")))
                {
                    Assert.Equal(property.Value.GetRawText(), item.GetProperty(property.Name).GetRawText());
                }
                // Each process converts the kernel's load time (since boot) to wall time: within a millisecond.
                var loaded = here[0].GetProperty("LoadedAt").GetDateTimeOffset();
                Assert.InRange(item.GetProperty("LoadedAt").GetDateTimeOffset(), loaded.AddMilliseconds(-1), loaded.AddMilliseconds(1));
                Assert.Equal(here[0].EnumerateObject().Count() - 1, item.EnumerateObject().Count()); // node in, InstalledBy and LoadedBy out
            }
            var error = Assert.Single(s.GetProperty("errors").EnumerateArray());
            Assert.Equal(nodes.Unreachable, error.GetProperty("node").GetString());
            Assert.Equal("OpenError", error.GetProperty("category").GetString());

            // A node's own error (here: no such program) is that node's, with the module's error id.
            var missing = await client.CallToolAsync("Get-BpfHook", new Dictionary<string, object?> { ["Id"] = new[] { uint.MaxValue }, ["ComputerName"] = "node2" });
            Assert.True(missing.IsError);
            Assert.Equal("node2", Error(missing).GetProperty("node").GetString());
            Assert.Equal("ProgramNotFound,EbpfMcp.Commands.GetBpfHookCommand", Error(missing).GetProperty("errorId").GetString());
        }
        KernelPrograms.AssertReturnsTo(before);
    }

    [Theory]
    [InlineData("Get-BpfKernelInfo")]
    [InlineData("Get-BpfFeature")]
    public async Task ANodesObjectsRenderAsThisNodesDo(string tool)
    {
        KernelPrerequisites.Require();
        await using var client = await FleetClientAsync();
        // The nodes run this very kernel and module: their whole objects, nested ones too, are this node's.
        var here = Structured(await client.CallToolAsync(tool, new Dictionary<string, object?>())).GetProperty("items");
        var there = Structured(await client.CallToolAsync(tool, new Dictionary<string, object?> { ["ComputerName"] = "node1" })).GetProperty("items");
        Assert.Equal(here.GetArrayLength(), there.GetArrayLength());
        for (int i = 0; i < here.GetArrayLength(); i++)
        {
            var withoutNode = System.Text.Json.Nodes.JsonNode.Parse(there[i].GetRawText())!.AsObject();
            Assert.Equal("node1", (string?)withoutNode["node"]);
            withoutNode.Remove("node");
            Assert.Equal(here[i].GetRawText(), withoutNode.ToJsonString());
        }
    }

    [Fact]
    public async Task TheCallFailsOnlyWhenNoNodeAnswered()
    {
        await using var client = await FleetClientAsync();
        var result = await client.CallToolAsync("Get-BpfKernelInfo", new Dictionary<string, object?> { ["ComputerName"] = new[] { nodes.Unreachable } });
        Assert.True(result.IsError);
        Assert.Equal(nodes.Unreachable, Error(result).GetProperty("node").GetString());
        Assert.Equal("OpenError", Error(result).GetProperty("category").GetString());
        Assert.Contains(nodes.Unreachable, result.Content.OfType<TextContentBlock>().Single().Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusedNodeNeitherEndsTheBridgeNorWritesOnItsStdout()
    {
        // ssh ends within milliseconds on a refused port: PowerShell's SSH client then crashed the
        // bridge now and then (an unhandled EPIPE on its own thread), or never answered, and echoed
        // ssh's refusal on stdout, the MCP stream. Every line of stdout must be JSON-RPC, every call answered.
        const int calls = 8;
        var psi = BridgeProcess.Raw("-t", "stdio", "--hosts", nodes.HostsFile);
        foreach (var (name, value) in nodes.Environment)
        {
            psi.Environment[name] = value;
        }
        using var bridge = Process.Start(psi)!;
        var stderr = bridge.StandardError.ReadToEndAsync();
        var requests = new System.Text.StringBuilder();
        requests.AppendLine("""{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        requests.AppendLine("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        for (int id = 1; id <= calls; id++)
        {
            requests.AppendLine("""{"jsonrpc":"2.0","id":""" + id + ""","method":"tools/call","params":{"name":"Get-BpfKernelInfo","arguments":{"ComputerName":["node3"]}}}""");
        }
        await bridge.StandardInput.WriteAsync(requests.ToString());
        bridge.StandardInput.Close();
        var refused = new HashSet<int>();
        string? line;
        while ((line = await bridge.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90))) is not null)
        {
            var message = System.Text.Json.Nodes.JsonNode.Parse(line)!;   // throws on anything but JSON
            if ((int?)message["id"] is int id and > 0)
            {
                var error = message["result"]!["structuredContent"]!["error"]!;
                Assert.Equal(nodes.Unreachable, (string?)error["node"]);
                Assert.Equal("OpenError", (string?)error["category"]);
                refused.Add(id);
            }
        }
        Assert.True(bridge.WaitForExit(10_000));
        Assert.True(bridge.ExitCode == 0, await stderr);
        Assert.Equal(Enumerable.Range(1, calls), refused.Order());
        Assert.Contains("Connection refused", await stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryNodeTracesItsOwnKernelForTheSameWorkload()
    {
        KernelPrerequisites.Require();
        var marker = "fleet" + Guid.NewGuid().ToString("N")[..8];
        var dir = Directory.CreateTempSubdirectory("ebpf-mcp-fleet-").FullName;
        var program = Path.Combine(dir, marker);
        File.Copy("/usr/bin/true", program);
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            var before = KernelPrograms.Ids();
            await using var client = await FleetClientAsync();
            var call = client.CallToolAsync("Trace-BpfExec", new Dictionary<string, object?> { ["Duration"] = 45, ["First"] = 3, ["ProcessName"] = marker, ["ComputerName"] = new[] { "node1", "node2" } }).AsTask();
            // The workload runs until both nodes have seen three of its execs (-First 3): a node's
            // session starts a pwsh first (seconds, many on a loaded machine), so when each tracer
            // attaches is not known here, nor which execs it sees.
            var pids = new List<int>();
            while (!call.IsCompleted)
            {
                using var p = Process.Start(program)!;
                await p.WaitForExitAsync();
                pids.Add(p.Id);
                await Task.WhenAny(call, Task.Delay(200));
            }
            var result = await call;
            Assert.NotEqual(true, result.IsError);
            var items = Structured(result).GetProperty("items");
            Assert.Equal(["node1", "node1", "node1", "node2", "node2", "node2"], Nodes(items));
            foreach (var node in new[] { "node1", "node2" })
            {
                // Each node's tracer saw three execs of this workload (three of its processes), and nothing else.
                var seen = items.EnumerateArray().Where(i => i.GetProperty("node").GetString() == node).Select(i => i.GetProperty("ProcessId").GetInt32()).ToHashSet();
                Assert.Equal(3, seen.Count);
                Assert.Subset(pids.ToHashSet(), seen);
            }
            Assert.All(items.EnumerateArray(), i => Assert.Equal(marker, i.GetProperty("ProcessName").GetString()));
            Assert.False(Structured(result).TryGetProperty("errors", out _));
            KernelPrograms.AssertReturnsTo(before);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task NodesAreReachedAtMostThrottleLimitAtOnce()
    {
        KernelPrerequisites.Require();
        await using var client = await FleetClientAsync("--throttle-limit", "1");
        var clock = Stopwatch.StartNew();
        var result = await client.CallToolAsync("Trace-BpfExec", new Dictionary<string, object?> { ["Duration"] = 3, ["ComputerName"] = new[] { "node1", "node2" } });
        Assert.NotEqual(true, result.IsError);
        // One node after the other: two whole traces' time at least (at once it would be one).
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(6), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task OnlyListedNodesAndReadOnlyToolsTakeComputerName()
    {
        await using var client = await FleetClientAsync("--allow-deploy");
        var tools = await client.ListToolsAsync();
        bool Takes(string tool) => tools.Single(t => t.Name == tool).ProtocolTool.InputSchema.GetProperty("properties").TryGetProperty("ComputerName", out _);
        Assert.True(Takes("Get-BpfHook"));
        Assert.True(Takes("Trace-BpfExec"));
        Assert.False(Takes("Install-BpfProgram"));
        Assert.False(Takes("Uninstall-BpfProgram"));
        Assert.Contains("ComputerName: run the tool on these nodes instead of this one, over SSH (PowerShell remoting): node1, node2, node3.", client.ServerInstructions, StringComparison.Ordinal);

        // A host outside --hosts is refused before anything connects, even one ssh could reach.
        foreach (var host in new[] { "127.0.0.1", "localhost", "-oProxyCommand=touch /tmp/pwned", "node1 node2" })
        {
            var denied = await client.CallToolAsync("Get-BpfKernelInfo", new Dictionary<string, object?> { ["ComputerName"] = new[] { "node1", host } });
            Assert.True(denied.IsError);
            Assert.Equal("PolicyDenied", Error(denied).GetProperty("errorId").GetString());
            Assert.Equal("ComputerName", Error(denied).GetProperty("target").GetString());
        }
        var notText = await client.CallToolAsync("Get-BpfKernelInfo", new Dictionary<string, object?> { ["ComputerName"] = new[] { 1 } });
        Assert.Equal("InvalidArgument", Error(notText).GetProperty("errorId").GetString());
        // What changes a kernel stays on this node.
        var install = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.Counter, ["ComputerName"] = "node1" });
        Assert.Equal("InvalidArgument", Error(install).GetProperty("errorId").GetString());
        Assert.Equal("ComputerName", Error(install).GetProperty("target").GetString());
        // Background traces live in the bridge.
        var job = await client.CallToolAsync("Trace-BpfExec", new Dictionary<string, object?> { ["AsJob"] = true, ["ComputerName"] = "node1" });
        Assert.Equal("InvalidArgument", Error(job).GetProperty("errorId").GetString());
        Assert.Equal("AsJob", Error(job).GetProperty("target").GetString());
        Assert.Empty(Structured(await client.CallToolAsync("Get-BpfTrace", new Dictionary<string, object?>())).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task WithoutHostsThereIsNoComputerName()
    {
        await using var client = await BridgeProcess.StdioClientAsync(o => o.EnvironmentVariables = nodes.Environment);
        var tools = await client.ListToolsAsync();
        Assert.All(tools, t => Assert.False(t.ProtocolTool.InputSchema.GetProperty("properties").TryGetProperty("ComputerName", out _)));
        var result = await client.CallToolAsync("Get-BpfKernelInfo", new Dictionary<string, object?> { ["ComputerName"] = "node1" });
        Assert.Equal("InvalidArgument", Error(result).GetProperty("errorId").GetString());
        Assert.Equal("ComputerName", Error(result).GetProperty("target").GetString());
    }

    [Theory]
    [InlineData("node1\nuser@node2\n", "hosts.txt:2: 'user@node2' is not a plain host name")]
    [InlineData("-oProxyCommand=x\n", "hosts.txt:1: '-oProxyCommand=x' is not a plain host name")]
    [InlineData("# nobody\n\n", "hosts.txt names no host.")]
    public void ABadHostsFileStopsTheBridge(string text, string message)
    {
        var dir = Directory.CreateTempSubdirectory("ebpf-mcp-hosts-").FullName;
        try
        {
            var file = Path.Combine(dir, "hosts.txt");
            File.WriteAllText(file, text);
            using var bridge = Process.Start(BridgeProcess.Raw("--hosts", file))!;
            var stderr = bridge.StandardError.ReadToEnd();
            Assert.True(bridge.WaitForExit(10_000));
            Assert.Equal(1, bridge.ExitCode);
            Assert.Contains(message, stderr, StringComparison.Ordinal);
            Assert.Empty(bridge.StandardOutput.ReadToEnd());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
