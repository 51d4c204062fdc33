using System.Text.Json;
using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests;

/// <summary>
/// Traces over MCP as agents get them: the bridge's own activity left out, capped results that
/// still say how many events there were and from whom, and background traces bounded in number.
/// </summary>
public sealed class BridgeTraceTests
{
    private static JsonElement Structured(CallToolResult r) => r.StructuredContent ?? throw new Xunit.Sdk.XunitException("no structuredContent");

    [Fact]
    public void ExcludeProcessIdLeavesAProcessOutInTheKernel()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession(onCallingThread: false);
        var path = Path.Combine(Path.GetTempPath(), $"ebpf-mcp-exclude-{Guid.NewGuid():N}");
        // (The engine hosted here has no utility cmdlets: plain .NET calls do the work.)
        var script = "$t = Trace-BpfFileOpen -Duration 2 -PathLike $p* -FailedOnly {0} -AsJob; [Threading.Thread]::Sleep(500); foreach ($i in 1..3) { try { [IO.File]::OpenRead($p) } catch { } }; $t | Wait-Job | Receive-Job";
        var seen = ps.Ok(script.Replace("{0}", ""), new Dictionary<string, object?> { ["p"] = path });
        Assert.Equal(3, seen.Count(o => ((BpfFileOpenEvent)o.BaseObject).ProcessId == Environment.ProcessId));
        var excluded = ps.Ok(script.Replace("{0}", "-ExcludeProcessId $PID"), new Dictionary<string, object?> { ["p"] = path });
        Assert.Empty(excluded);
    }

    [Fact]
    public async Task TheBridgeLeavesItsOwnActivityOutOfTraceResults()
    {
        KernelPrerequisites.Require();
        await using var bridge = await HttpBridge.StartAsync();
        await using var client = await bridge.McpClientAsync();
        // The bridge opens files under /proc answering these calls while the trace runs.
        var trace = client.CallToolAsync("Trace-BpfFileOpen", new Dictionary<string, object?> { ["Duration"] = 3, ["PathLike"] = "/proc/*" }).AsTask();
        await Task.Delay(800);
        for (int i = 0; i < 3; i++)
        {
            Assert.NotEqual(true, (await client.CallToolAsync("Get-BpfHook", new Dictionary<string, object?> { ["IncludeProcess"] = true })).IsError);
        }
        var result = await trace;
        Assert.NotEqual(true, result.IsError);
        var pids = Structured(result).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("ProcessId").GetInt32()).ToList();
        Assert.DoesNotContain(bridge.Process.Id, pids);
    }

    [Fact]
    public async Task CappedResultsStillCountEveryEventByProcess()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("fail_syscalls.c");
        await using var client = await BridgeProcess.StdioClientAsync("--max-items", "3");
        var before = KernelPrograms.Ids();
        var call = client.CallToolAsync("Trace-BpfFileOpen", new Dictionary<string, object?> { ["Duration"] = 3, ["FailedOnly"] = true, ["ProcessName"] = helper.Name }).AsTask();
        while (!KernelPrograms.List().Any(p => !before.Contains(p.Id) && p.Name.StartsWith("open", StringComparison.Ordinal)))
        {
            Assert.False(call.IsCompleted, "the call ended before its programs attached");
            await Task.Delay(20);
        }
        await Task.Delay(200);
        helper.Run("10", "0", $"/nonexistent/ebpf-mcp-cap-{Guid.NewGuid():N}");
        var s = Structured(await call);
        Assert.True(s.GetProperty("truncated").GetBoolean());
        Assert.Equal(3, s.GetProperty("count").GetInt32());
        Assert.Equal(10, s.GetProperty("total").GetInt32());
        Assert.Equal(10, s.GetProperty("events").GetInt64());
        Assert.Equal(0, s.GetProperty("lost").GetInt64());
        Assert.Equal(10, s.GetProperty("groups").GetProperty(helper.Name).GetInt64());
    }

    [Fact]
    public async Task BackgroundTracesAreBoundedInNumber()
    {
        KernelPrerequisites.Require();
        await using var client = await BridgeProcess.StdioClientAsync("--max-background-traces", "1");
        var first = await client.CallToolAsync("Trace-BpfExec", new Dictionary<string, object?> { ["AsJob"] = true, ["Duration"] = 120 });
        Assert.NotEqual(true, first.IsError);
        var traceId = Structured(first).GetProperty("items")[0].GetProperty("TraceId").GetString();
        var second = await client.CallToolAsync("Trace-BpfExec", new Dictionary<string, object?> { ["AsJob"] = true, ["Duration"] = 120 });
        Assert.True(second.IsError);
        Assert.Equal("TooManyTraces", Structured(second).GetProperty("error").GetProperty("errorId").GetString());
        Assert.NotEqual(true, (await client.CallToolAsync("Stop-BpfTrace", new Dictionary<string, object?> { ["TraceId"] = traceId })).IsError);
        Assert.NotEqual(true, (await client.CallToolAsync("Trace-BpfExec", new Dictionary<string, object?> { ["AsJob"] = true, ["Duration"] = 1 })).IsError);
    }
}
