using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>The Streamable HTTP transport: its guard, its robustness, the seed API, sessions.</summary>
public sealed class BridgeHttpTests
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static HttpRequestMessage McpPost(string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = Json(body) };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        return request;
    }

    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}""";

    [Fact]
    public async Task TokenHostAndOriginAreEnforced()
    {
        await using var bridge = await HttpBridge.StartAsync();
        using var anonymous = bridge.NewHttpClient(withToken: false);
        var noToken = await anonymous.SendAsync(McpPost(Initialize));
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Contains("Bearer", noToken.Headers.WwwAuthenticate.ToString());

        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "wrong-token-wrong-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(McpPost(Initialize))).StatusCode);

        using var client = bridge.NewHttpClient();
        var foreignOrigin = McpPost(Initialize);
        foreignOrigin.Headers.Add("Origin", "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(foreignOrigin)).StatusCode);

        var foreignHost = McpPost(Initialize);
        foreignHost.Headers.Host = $"rebind.example:{bridge.Port}";
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(foreignHost)).StatusCode);

        var localOrigin = McpPost(Initialize);
        localOrigin.Headers.Add("Origin", $"http://localhost:{bridge.Port}");
        var ok = await client.SendAsync(localOrigin);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.True(ok.Headers.Contains("Mcp-Session-Id"));
    }

    [Fact]
    public async Task NonLoopbackWithoutAnExplicitTokenIsRefused()
    {
        var psi = new System.Diagnostics.ProcessStartInfo(BridgeProcess.Executable, ["-t", "http", "--listen", "0.0.0.0", "--port", BridgeProcess.FreePort().ToString()])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment.Remove("EBPF_MCP_TOKEN");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("not loopback", stderr);
    }

    [Fact]
    public async Task GeneratedTokenIsWrittenOwnerOnlyAndItsPathLogged()
    {
        var runtime = Directory.CreateTempSubdirectory("ebpf-mcp-rt-").FullName;
        var psi = new System.Diagnostics.ProcessStartInfo(BridgeProcess.Executable, ["-t", "http", "--port", BridgeProcess.FreePort().ToString()])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment.Remove("EBPF_MCP_TOKEN");
        psi.Environment["XDG_RUNTIME_DIR"] = runtime;
        using var p = System.Diagnostics.Process.Start(psi)!;
        try
        {
            string? line;
            while ((line = await p.StandardError.ReadLineAsync()) is not null && !line.Contains("token written to")) { }
            var path = Path.Combine(runtime, "ebpf-mcp", "token");
            Assert.Contains(path, line);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(64, File.ReadAllText(path).Length);
        }
        finally
        {
            p.Kill();
            Directory.Delete(runtime, true);
        }
    }

    [Fact]
    public async Task MalformedAndHostileRequestsNeverKillTheServer()
    {
        await using var bridge = await HttpBridge.StartAsync();
        using var client = bridge.NewHttpClient();
        string[] bodies =
        [
            """{"jsonrpc":"2.0","id":1,"method":"initia""",
            """{"jsonrpc":"2.0","id":{"x":1},"method":"tools/list"}""",
            """{"jsonrpc":"2.0","id":1,"method":42}""",
            """{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"tools/list"}""",
            """{"jsonrpc":"2.0","id":1,"method":"no/such/method","params":{}}""",
            """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"tool":42}}""",
            """[1,2,3]""",
            "null",
            new string('[', 5000) + new string(']', 5000),
            "\u00ff\u00fe garbage",
        ];
        foreach (var body in bodies)
        {
            var response = await client.SendAsync(McpPost(body));
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {body[..Math.Min(40, body.Length)]}");
        }
        // 10 MB: refused by the body cap (Expect: 100-continue lets the refusal arrive before the upload).
        var hugeRequest = McpPost("{\"x\":\"" + new string('a', 10 * 1024 * 1024) + "\"}");
        hugeRequest.Headers.ExpectContinue = true;
        var huge = await client.SendAsync(hugeRequest);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        // Still serving: a real client connects and calls a tool.
        await using var mcp = await bridge.McpClientAsync();
        var result = await mcp.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "alive" });
        Assert.NotEqual(true, result.IsError);
        Assert.False(bridge.Process.HasExited);
    }

    [Fact]
    public async Task SeedCallsWorkWithPlainPostAndAnswerInTheSeedsShapes()
    {
        KernelPrerequisites.Require();
        await using var bridge = await HttpBridge.StartAsync("--allow-deploy");
        using var client = bridge.NewHttpClient();

        // curl -X POST -d '...' sends a form content type: the seed API must not care.
        async Task<JsonNode> Seed(string body)
        {
            var response = await client.PostAsync("/mcp", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }

        var info = await Seed("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"tool":"info","input":{}}}""");
        Assert.Equal(1, (int)info["id"]!);
        Assert.Equal(KernelPrerequisites.Run("uname", "-r").Trim(), (string)info["result"]!["kernel_release"]!);
        Assert.True((bool)info["result"]!["btf_available"]!);

        var deployed = await Seed("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"tool":"deploy","args":{"program_path":""" + JsonSerializer.Serialize(TestObjects.Counter) + "}}}");
        Assert.Equal(2, (int)deployed["result"]!["programs_loaded"]!);
        Assert.Equal(2, (int)deployed["result"]!["maps_loaded"]!);
        var programIds = deployed["result"]!["program_ids"]!.AsArray().Select(n => (uint)n!).ToArray();
        Assert.All(programIds, id => Assert.Contains(id, KernelPrograms.Ids()));

        var hooks = await Seed("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"tool":"hooks_inspect","input":{}}}""");
        var programs = hooks["result"]!["programs"]!.AsArray();
        var counter = programs.Single(p => (uint)p!["id"]! == programIds[0])!;
        Assert.Equal("tracepoint", (string)counter["type"]!);
        Assert.Equal("count_getpgid", (string)counter["name"]!);
        Assert.Equal("tracepoint:syscalls:sys_enter_getpgid", (string)counter["attached_to"]![0]!);
        Assert.NotNull(counter["pinned"]);

        var bad = await Seed("""{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"tool":"deploy","args":{"program_path":"/nonexistent.bpf.o"}}}""");
        Assert.Equal("ObjectFileNotFound,EbpfMcp.Commands.InstallBpfProgramCommand", (string)bad["error"]!["data"]!["errorId"]!);
    }

    [Fact]
    public async Task DeleteEndsTheSessionAndRemovesWhatItInstalled()
    {
        KernelPrerequisites.Require();
        await using var bridge = await HttpBridge.StartAsync("--allow-deploy");
        var before = KernelPrograms.Ids();
        var mcp = await bridge.McpClientAsync();
        var result = await mcp.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.Counter, ["Attach"] = true });
        Assert.NotEqual(true, result.IsError);
        var installationId = result.StructuredContent!.Value.GetProperty("items")[0].GetProperty("Id").GetString();

        // A second session cannot remove the first one's installation.
        await using (var other = await bridge.McpClientAsync())
        {
            var refused = await other.CallToolAsync("Uninstall-BpfProgram", new Dictionary<string, object?> { ["Id"] = new[] { installationId } });
            Assert.True(refused.IsError);
            Assert.Equal("NotOwner,EbpfMcp.Commands.UninstallBpfProgramCommand", refused.StructuredContent!.Value.GetProperty("error").GetProperty("errorId").GetString());
        }
        Assert.NotEqual(before.Count, KernelPrograms.Ids().Count);

        await mcp.DisposeAsync(); // the client sends DELETE for its session
        KernelPrograms.AssertReturnsTo(before);
        Assert.Contains(bridge.Log(), l => l.Contains("removed 1 installation"));
    }

    [Fact]
    public async Task APostsHeadersWaitForItsFirstEventButNoLongerThanTheGrace()
    {
        await using var bridge = await HttpBridge.StartAsync("--module", BridgeProcess.TestModuleManifest);
        using var client = bridge.NewHttpClient();
        var initialized = await client.SendAsync(McpPost(Initialize));
        var session = initialized.Headers.GetValues("Mcp-Session-Id").Single();
        HttpRequestMessage InSession(string body)
        {
            var request = McpPost(body);
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            return request;
        }
        await client.SendAsync(InSession("""{"jsonrpc":"2.0","method":"notifications/initialized"}"""));

        // A call that writes nothing for a second (no progress token: no progress events). The SDK
        // flushes the headers before the call runs; the bridge holds them back for the grace, then
        // sends them alone, long before the answer.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await client.SendAsync(InSession("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"Measure-BpfTestWait","arguments":{"Seconds":1}}}"""), HttpCompletionOption.ResponseHeadersRead);
        var headersAt = clock.Elapsed;
        var body = await response.Content.ReadAsStringAsync();
        var answerAt = clock.Elapsed;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("event: message", body);
        Assert.True(headersAt >= EbpfMcp.Bridge.Http.HeaderFlushDeferral.Grace * 0.8, $"headers after {headersAt.TotalMilliseconds:F0} ms: not held back");
        Assert.True(answerAt >= TimeSpan.FromSeconds(0.95) && answerAt - headersAt >= TimeSpan.FromMilliseconds(300),
            $"headers after {headersAt.TotalMilliseconds:F0} ms, answer after {answerAt.TotalMilliseconds:F0} ms: the headers waited for the answer");
    }
}
