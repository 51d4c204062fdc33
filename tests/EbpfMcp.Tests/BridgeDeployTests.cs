using System.Diagnostics;
using System.Text.Json;
using EbpfMcp.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests;

/// <summary>Deploying through the bridge: policy, quotas, the audit log, and crash safety.</summary>
public sealed class BridgeDeployTests
{
    private static string ErrorId(CallToolResult r) => r.StructuredContent!.Value.GetProperty("error").GetProperty("errorId").GetString()!;

    [Fact]
    public async Task PolicyConfinesSourcesAndPinPaths()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        await using var client = await BridgeProcess.StdioClientAsync("--allow-deploy", "--allow-source", TestObjects.Directory);

        // Sources are checked by the module, which is what opens them (see BridgeSecurityTests for the attacks).
        var outside = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = "/usr/bin/true" });
        Assert.True(outside.IsError);
        Assert.Equal("PolicyDenied,EbpfMcp.Commands.InstallBpfProgramCommand", ErrorId(outside));
        Assert.Equal("/usr/bin/true", outside.StructuredContent!.Value.GetProperty("error").GetProperty("target").GetString());

        var uri = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Uri"] = "https://example.invalid/x.bpf.o" });
        Assert.Equal("PolicyDenied,EbpfMcp.Commands.InstallBpfProgramCommand", ErrorId(uri));

        // Pin paths are confined by the bridge.
        var pin = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.Counter, ["PinPath"] = "/sys/fs/bpf/elsewhere" });
        Assert.Equal("PolicyDenied", ErrorId(pin));
        Assert.Equal("PinPath", pin.StructuredContent!.Value.GetProperty("error").GetProperty("target").GetString());
        KernelPrograms.AssertReturnsTo(before);

        bool rootExisted = Directory.Exists("/sys/fs/bpf/ebpf-mcp");
        var dir = "/sys/fs/bpf/ebpf-mcp/test-" + Guid.NewGuid().ToString("N")[..8];
        var allowed = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.Counter, ["PinPath"] = dir });
        Assert.NotEqual(true, allowed.IsError);
        Assert.True(File.Exists(Path.Combine(dir, "count_getpgid")));
        var id = allowed.StructuredContent!.Value.GetProperty("items")[0].GetProperty("Id").GetString();
        await client.CallToolAsync("Uninstall-BpfProgram", new Dictionary<string, object?> { ["Id"] = new[] { id } });
        Assert.False(Directory.Exists(dir));
        Assert.Equal(rootExisted, Directory.Exists("/sys/fs/bpf/ebpf-mcp")); // directories it created are removed too
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task QuotaRefusesAndRemovesWhatWentOver()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        await using var client = await BridgeProcess.StdioClientAsync("--allow-deploy", "--quota-programs", "3");
        var first = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.Counter });
        Assert.NotEqual(true, first.IsError); // 2 programs: within the quota of 3
        var withFirst = KernelPrograms.Ids();
        // The second would make 4 programs: the module is given what is left (-MaxPrograms 1) and
        // refuses the object after opening it, before anything reaches the kernel.
        var second = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.Counter });
        Assert.True(second.IsError);
        Assert.Equal("QuotaExceeded,EbpfMcp.Commands.InstallBpfProgramCommand", ErrorId(second));
        Assert.Contains("2 program(s), more than the 1 allowed", second.StructuredContent!.Value.GetProperty("error").GetProperty("message").GetString());
        KernelPrograms.AssertReturnsTo(withFirst);
        await client.DisposeAsync();
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task AuditLogRecordsEveryCallWithSecretsRemovedAndProgramIds()
    {
        KernelPrerequisites.Require();
        var log = Path.GetTempFileName();
        try
        {
            await using (var client = await BridgeProcess.StdioClientAsync("--allow-deploy", "--audit-log", log))
            {
                var installed = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.Counter });
                var id = installed.StructuredContent!.Value.GetProperty("items")[0].GetProperty("Id").GetString();
                await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "x", ["Tag"] = new[] { "api_token=abc" } });
                await client.CallToolAsync("Uninstall-BpfProgram", new Dictionary<string, object?> { ["Id"] = new[] { id } });
                await client.CallToolAsync("Get-BpfMap", new Dictionary<string, object?> { ["Id"] = new[] { "x" } });
            }
            var lines = File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(["Install-BpfProgram", "Get-BpfTestEcho", "Uninstall-BpfProgram", "Get-BpfMap"], lines.Select(l => l.GetProperty("tool").GetString()));
            Assert.All(lines, l => Assert.Equal("stdio", l.GetProperty("session").GetString()));
            Assert.Equal(2, lines[0].GetProperty("programsCreated").GetArrayLength());
            Assert.Equal(lines[0].GetProperty("programsCreated").EnumerateArray().Select(e => e.GetUInt32()).Order(), lines[2].GetProperty("programsRemoved").EnumerateArray().Select(e => e.GetUInt32()).Order());
            Assert.Equal(TestObjects.Counter, lines[0].GetProperty("arguments").GetProperty("Path").GetString());
            Assert.Equal("ok", lines[1].GetProperty("outcome").GetString());
            Assert.Equal("error", lines[3].GetProperty("outcome").GetString());
            Assert.Equal("InvalidArgument", lines[3].GetProperty("errorId").GetString());
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public void SecretArgumentNamesAreRedacted()
    {
        var log = Path.GetTempFileName();
        try
        {
            using (var audit = new EbpfMcp.Bridge.AuditLog(log))
            {
                var args = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"ApiToken":"s3cret","Path":"/x"}""")!;
                audit.Call("s", "Tool", args, "ok", null, null, 1, [], []);
            }
            var line = File.ReadAllText(log);
            Assert.DoesNotContain("s3cret", line);
            Assert.Contains("\"ApiToken\":\"***\"", line);
            Assert.Contains("\"Path\":\"/x\"", line);
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task SigkillOfTheBridgeLeavesNothingInTheKernel()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        var mapsBefore = KernelPrograms.MapIds();
        await using var bridge = await HttpBridge.StartAsync("--allow-deploy");
        var client = await bridge.McpClientAsync();
        var installed = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.Counter, ["Attach"] = true });
        Assert.NotEqual(true, installed.IsError);
        _ = client.CallToolAsync("Trace-BpfSyscallError", new Dictionary<string, object?> { ["Duration"] = 30 }).AsTask();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!KernelPrograms.List().Any(p => !before.Contains(p.Id) && p.Name.StartsWith("syscall_errors", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the trace never attached");
            await Task.Delay(20);
        }
        Assert.True(KernelPrograms.Ids().Except(before).Count() >= 3);

        Process.Start("kill", ["-9", bridge.Process.Id.ToString()])!.WaitForExit();
        await bridge.Process.WaitForExitAsync();

        // Nothing was pinned, so the kernel frees everything once the process's fds are gone.
        KernelPrograms.AssertReturnsTo(before);
        KernelPrograms.AssertReturnsTo(mapsBefore, KernelPrograms.MapIds);
        _ = client.DisposeAsync();
    }
}
