using System.Text.Json;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>
/// The official TypeScript SDK client (npm @modelcontextprotocol/sdk, installed by ./run-tests)
/// talks to the bridge over stdio and HTTP; it validates every structuredContent against the
/// tool's outputSchema, so a schema mismatch fails these tests.
/// </summary>
public sealed class BridgeTypeScriptClientTests
{
    private static string ClientDirectory => Path.Combine(TestObjects.RepoRoot, "tests", "ts-client");

    private static JsonElement RunClient(params string[] args)
    {
        Assert.True(Directory.Exists(Path.Combine(ClientDirectory, "node_modules", "@modelcontextprotocol", "sdk")),
            "tests/ts-client/node_modules is missing: ./run-tests installs it (npm ci --prefix tests/ts-client).");
        var run = KernelPrerequisites.RunWithExit("node", [Path.Combine(ClientDirectory, "client.mjs"), .. args]);
        Assert.True(run.ExitCode == 0, $"node client failed ({run.ExitCode}): {run.Error}");
        return JsonDocument.Parse(run.Output).RootElement;
    }

    private static void AssertSummary(JsonElement summary)
    {
        Assert.Equal("ebpf-mcp", summary.GetProperty("server").GetProperty("name").GetString());
        var tools = summary.GetProperty("tools").EnumerateArray().Select(t => t.GetString()).ToArray();
        Assert.Contains("Get-BpfHook", tools);
        Assert.Contains("Get-BpfTestEcho", tools);
        // Every read-only tool was called with schema-derived arguments and validated by the SDK.
        foreach (var call in summary.GetProperty("calls").EnumerateObject())
        {
            Assert.False(call.Value.GetProperty("isError").GetBoolean(), $"{call.Name}: {call.Value}");
            Assert.True(call.Value.GetProperty("text").GetInt32() > 0);
        }
        Assert.Equal(1, summary.GetProperty("calls").GetProperty("Get-BpfKernelInfo").GetProperty("count").GetInt32());
        // Progress arrives in order and grows.
        var wait = summary.GetProperty("progress").EnumerateArray().Single(p => p.GetProperty("tool").GetString() == "Measure-BpfTestWait");
        var values = wait.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.True(values.Length > 3);
        Assert.Equal(values.Order(), values);
        Assert.Equal("Id", summary.GetProperty("errors").GetProperty("badArgument").GetProperty("target").GetString());
        // prompts/list and prompts/get through the official client: each plan names only listed tools.
        var prompts = summary.GetProperty("prompts").EnumerateArray().ToList();
        Assert.Contains(prompts, p => p.GetProperty("name").GetString() == "why-requests-fail");
        Assert.Contains(prompts, p => p.GetProperty("name").GetString() == "why-slow");
        foreach (var prompt in prompts)
        {
            var text = prompt.GetProperty("text").GetString()!;
            var named = System.Text.RegularExpressions.Regex.Matches(text, @"\b[A-Z][a-z]+-Bpf[A-Za-z]+\b").Select(m => m.Value).ToList();
            Assert.NotEmpty(named);
            Assert.All(named, tool => Assert.Contains(tool, tools));
        }
        Assert.Contains("\"ProcessName\":\"sshd\"", prompts.Single(p => p.GetProperty("name").GetString() == "why-requests-fail").GetProperty("text").GetString());
        Assert.Contains("Unknown tool", summary.GetProperty("errors").GetProperty("unknownTool").GetString());
    }

    [Fact]
    public void OverStdio()
    {
        KernelPrerequisites.Require();
        AssertSummary(RunClient("stdio", BridgeProcess.Executable, BridgeProcess.TestModuleManifest));
    }

    [Fact]
    public async Task OverStreamableHttp()
    {
        KernelPrerequisites.Require();
        await using var bridge = await HttpBridge.StartAsync();
        AssertSummary(RunClient("http", bridge.Endpoint.ToString(), bridge.Token));
    }

    [Fact]
    public async Task ABackgroundTraceOutlivesItsSessionAndIsReceivedGroupedAndStoppedFromAnother()
    {
        KernelPrerequisites.Require();
        await using var bridge = await HttpBridge.StartAsync();
        var before = KernelPrograms.Ids();
        var missing = $"/nonexistent/ebpf-mcp-ts-{Guid.NewGuid():N}";
        var summary = RunClientScript("background.mjs", bridge.Endpoint.ToString(), bridge.Token, missing);

        var job = summary.GetProperty("started").GetProperty("items")[0];
        Assert.Equal("Trace-BpfFileOpen", job.GetProperty("Tracer").GetString());
        Assert.Equal("Running", job.GetProperty("State").GetString());
        Assert.Matches("^[A-Za-z0-9_-]{22}$", job.GetProperty("TraceId").GetString());
        Assert.Equal(job.GetProperty("TraceId").GetString(), summary.GetProperty("listed").GetProperty("items")[0].GetProperty("TraceId").GetString());

        // Grouped over every event so far, exactly what the client did: 5 and 2 failed opens.
        var groups = summary.GetProperty("grouped").GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([5L, 2L], groups.Select(g => g.GetProperty("Count").GetInt64()));
        Assert.Equal($"{missing}/a", groups[0].GetProperty("Group").GetProperty("Path").GetString());

        // Stop returns the events themselves, with the totals beside them.
        var stopped = summary.GetProperty("stopped");
        Assert.Equal(7, stopped.GetProperty("count").GetInt32());
        Assert.Equal(7, stopped.GetProperty("events").GetInt64());
        Assert.Equal(0, stopped.GetProperty("lost").GetInt64());
        Assert.Equal(7, stopped.GetProperty("groups").GetProperty("node").GetInt64());
        Assert.All(stopped.GetProperty("items").EnumerateArray(), e => Assert.Equal("ENOENT", e.GetProperty("Errno").GetString()));
        KernelPrograms.AssertReturnsTo(before);

        Assert.True(summary.GetProperty("unknown").GetProperty("isError").GetBoolean());
        Assert.StartsWith("TraceNotFound,", summary.GetProperty("unknown").GetProperty("error").GetProperty("errorId").GetString());
        // Foreground calls stay under client timeouts: longer ones are refused with the way out.
        var tooLong = summary.GetProperty("tooLong").GetProperty("error");
        Assert.Equal("InvalidArgument", tooLong.GetProperty("errorId").GetString());
        Assert.Contains("AsJob", tooLong.GetProperty("message").GetString());
    }

    internal static JsonElement RunClientScript(string script, params string[] args)
    {
        var run = KernelPrerequisites.RunWithExit("node", [Path.Combine(ClientDirectory, script), .. args]);
        Assert.True(run.ExitCode == 0, $"node {script} failed ({run.ExitCode}): {run.Error}");
        return JsonDocument.Parse(run.Output).RootElement;
    }
}
