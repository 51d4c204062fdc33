using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EbpfMcp.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests;

/// <summary>
/// Issue #13, the bridge's items: the command line (--help, --version, errors), a second server
/// on a busy port, module problems, script modules, argument conversion, stdio at end of input,
/// and text a person reads.
/// </summary>
public sealed class BridgeCommandLineTests : IDisposable
{
    private readonly string scratch = Directory.CreateTempSubdirectory("ebpf-mcp-cli-").FullName;

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    private static (int ExitCode, string Output, string Error) Run(params string[] arguments)
    {
        using var p = Process.Start(BridgeProcess.Raw(arguments))!;
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), $"ebpf-mcp {string.Join(' ', arguments)} did not exit");
        return (p.ExitCode, output.Result, error.Result);
    }

    [Fact]
    public void VersionAndHelpGoToStdoutAndExitZero()
    {
        var version = Run("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Output.Trim());
        Assert.Equal("", version.Error);

        var help = Run("--help");
        Assert.Equal(0, help.ExitCode);
        foreach (var option in new[] { "--transport", "--listen", "--port", "--allow-deploy", "--token-file", "--module", "--max-items", "--max-bytes", "--max-body",
            "--pool", "--allow-source", "--audit-log", "--max-traces", "--quota-programs", "--quota-maps", "--quota-memlock", "--max-sessions", "--max-object", "--pin-root", "--log-level", "--version" })
        {
            Assert.Contains(option, help.Output);
        }
    }

    [Fact]
    public void BadOptionsAreNamedOnStderrAndExitOne()
    {
        foreach (var (arguments, says) in new[] { (new[] { "--bogus" }, "--bogus"), (["-t", "carrier-pigeon"], "carrier-pigeon"), (["--port", "0"], "--port takes a number from 1 to 65535, not 0"), (["--listen", "example.com"], "--listen takes an IP address") })
        {
            var run = Run(arguments);
            Assert.Equal(1, run.ExitCode);
            Assert.Contains(says, run.Error);
            Assert.Equal("", run.Output); // nothing a stdio client could mistake for protocol
        }
    }

    [Fact]
    public void ModuleProblemsAreClearErrorsWithoutStackTraces()
    {
        var missing = Run("-t", "stdio", "--module", Path.Combine(scratch, "nope.psd1"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nope.psd1' does not exist", missing.Error);

        var broken = Path.Combine(scratch, "Broken.psd1");
        File.WriteAllText(broken, "@{ RootModule = 'Broken.psm1'; ModuleVersion = '1.0' ");
        var bad = Run("-t", "stdio", "--module", broken);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("could not be imported", bad.Error);
        Assert.DoesNotContain("   at ", missing.Error + bad.Error);
    }

    [Fact]
    public async Task AdvancedFunctionsOfScriptModulesAreServedAndSimpleOnesNamed()
    {
        var log = new List<string>();
        await using var client = await BridgeProcess.StdioClientAsync(o =>
        {
            o.Arguments = ["-t", "stdio", "--module", BridgeProcess.ScriptModuleManifest];
            o.StandardErrorLines = l => { lock (log) log.Add(l); };
        });
        var tools = (await client.ListToolsAsync()).ToDictionary(t => t.Name);
        Assert.DoesNotContain("Get-BpfScriptPlain", tools.Keys);
        var sum = tools["Get-BpfScriptSum"].ProtocolTool;
        Assert.Equal("Adds numbers, to show that advanced functions are served like cmdlets. E.g. Number=[1, 2], Label=total.", sum.Description);
        var props = sum.InputSchema.GetProperty("properties");
        Assert.Equal("integer", props.GetProperty("Number").GetProperty("items").GetProperty("type").GetString());
        Assert.Equal(10, props.GetProperty("Number").GetProperty("maxItems").GetInt32());
        Assert.Equal(["sum", "total"], props.GetProperty("Label").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["Number"], sum.InputSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Object, props.GetProperty("Note").ValueKind); // untyped: any JSON value

        var result = await client.CallToolAsync("Get-BpfScriptSum", new Dictionary<string, object?> { ["Number"] = new[] { 1, 2, 3 }, ["Label"] = "total", ["Note"] = new { why = "test" } });
        Assert.NotEqual(true, result.IsError);
        var item = result.StructuredContent!.Value.GetProperty("items")[0];
        Assert.Equal(6, item.GetProperty("Value").GetInt32());
        Assert.Equal("total", item.GetProperty("Label").GetString());
        Assert.Equal("test", item.GetProperty("Note").GetProperty("why").GetString());
        lock (log)
        {
            Assert.Contains(log, l => l.Contains("Get-BpfScriptPlain") && l.Contains("not served"));
        }
    }

    [Theory]
    [InlineData("Trace-BpfExec", """{"Duration":"abc"}""", "Duration")]
    [InlineData("Trace-BpfExec", """{"Duration":1e999}""", "Duration")]
    [InlineData("Trace-BpfSyscallError", """{"Top":"9999999999999999999999"}""", "Top")]
    [InlineData("Get-BpfMap", """{"Id":[1, "two"]}""", "Id")]
    [InlineData("Get-BpfFeature", """{"Category":{"a":1}}""", "Category")]
    public async Task EveryConversionFailureIsAnInvalidArgumentNamingTheParameter(string tool, string arguments, string parameter)
    {
        var log = Path.Combine(scratch, "audit.log");
        await using (var client = await BridgeProcess.StdioClientAsync("--audit-log", log))
        {
            var result = await client.CallToolAsync(new CallToolRequestParams { Name = tool, Arguments = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments) });
            Assert.True(result.IsError);
            var error = result.StructuredContent!.Value.GetProperty("error");
            Assert.Equal("InvalidArgument", error.GetProperty("errorId").GetString());
            Assert.Equal("InvalidArgument", error.GetProperty("category").GetString());
            Assert.Equal(parameter, error.GetProperty("target").GetString());
            Assert.Contains(parameter, error.GetProperty("message").GetString());
        }
        var line = JsonNode.Parse(File.ReadAllLines(log).Single())!;
        Assert.Equal("error", (string)line["outcome"]!);
        Assert.Equal("InvalidArgument", (string)line["errorId"]!);
    }

    [Fact]
    public async Task StdioAnswersEveryRequestReadBeforeEndOfInput()
    {
        var psi = BridgeProcess.Raw("-t", "stdio", "--module", BridgeProcess.TestModuleManifest);
        using var p = Process.Start(psi)!;
        _ = p.StandardError.ReadToEndAsync();
        var requests = new StringBuilder();
        requests.AppendLine("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        requests.AppendLine("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        for (int id = 2; id <= 6; id++)
        {
            requests.AppendLine("""{"jsonrpc":"2.0","id":""" + id + ""","method":"tools/call","params":{"name":"Get-BpfTestEcho","arguments":{"Text":"r""" + id + "\"}}}");
        }
        requests.AppendLine("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"Measure-BpfTestWait","arguments":{"Seconds":1}}}""");
        // Everything at once, then end of input: the client is done writing, not done reading.
        await p.StandardInput.WriteAsync(requests.ToString());
        p.StandardInput.Close();
        var answered = new HashSet<int>();
        string? line;
        while ((line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))) is not null)
        {
            var message = JsonNode.Parse(line)!;
            if (message["id"] is JsonNode id)
            {
                Assert.Null(message["error"]);
                answered.Add((int)id);
            }
        }
        Assert.Equal(Enumerable.Range(1, 7), answered.Order());
        Assert.True(p.WaitForExit(10_000));
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public async Task TextForPeopleKeepsHarmlessCharactersAsTheyAre()
    {
        await using var client = await BridgeProcess.StdioClientAsync();
        var result = await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "C++ <b> & 'q' é" });
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Contains("\"Text\":\"C++ <b> & 'q' é\"", text);
    }

    [Fact]
    public async Task ASecondServerOnABusyPortLeavesTheFirstOnesTokenAlone()
    {
        var runtime = Directory.CreateDirectory(Path.Combine(scratch, "runtime")).FullName;
        var port = BridgeProcess.FreePort();
        ProcessStartInfo Start()
        {
            var psi = BridgeProcess.Raw("-t", "http", "--port", port.ToString());
            psi.Environment["XDG_RUNTIME_DIR"] = runtime;
            psi.Environment.Remove("EBPF_MCP_TOKEN");
            return psi;
        }
        var tokenFile = Path.Combine(runtime, "ebpf-mcp", "token");
        using var first = Process.Start(Start())!;
        try
        {
            string? line;
            while ((line = await first.StandardError.ReadLineAsync()) is not null && !line.Contains("token written to")) { }
            var token = File.ReadAllText(tokenFile);

            using var second = Process.Start(Start())!;
            var error = second.StandardError.ReadToEndAsync();
            Assert.True(second.WaitForExit(60_000), "the second server did not give up");
            Assert.Equal(1, second.ExitCode);
            Assert.Contains($"cannot listen on http://127.0.0.1:{port}/mcp", await error);
            Assert.DoesNotContain("   at ", await error);
            Assert.Equal(token, File.ReadAllText(tokenFile)); // the running server's clients keep access

            // A clean exit removes the token file it wrote.
            Process.Start("kill", ["-TERM", first.Id.ToString()])!.WaitForExit();
            Assert.True(first.WaitForExit(30_000));
            Assert.Equal(0, first.ExitCode);
            Assert.False(File.Exists(tokenFile));
        }
        finally
        {
            if (!first.HasExited)
            {
                first.Kill();
            }
        }
    }
}
