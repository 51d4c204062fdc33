using System.Text.Json;
using EbpfMcp.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests;

/// <summary>The bridge as an MCP client sees it over stdio, with the official C# SDK client.</summary>
public sealed class BridgeStdioTests
{
    private static JsonElement Structured(CallToolResult r) => r.StructuredContent ?? throw new Xunit.Sdk.XunitException("no structuredContent");

    [Fact]
    public async Task ToolsAreTheModulesCmdletsWithSchemasFromTheirParameters()
    {
        KernelPrerequisites.Require();
        await using var client = await BridgeProcess.StdioClientAsync();
        var tools = (await client.ListToolsAsync()).ToDictionary(t => t.Name);

        // Read-only tools of EbpfMcp plus the test module's cmdlets; no deploy tools without --allow-deploy.
        Assert.Equal(ModuleCmdlets.ReadOnly.Concat(["Get-BpfTestEcho", "Get-BpfTestRun", "Measure-BpfTestWait"]).Order(StringComparer.Ordinal), tools.Keys.Order(StringComparer.Ordinal));
        // -Owner is the session: bound by the bridge, never offered to a client.
        Assert.All(tools.Values, t => Assert.False(t.ProtocolTool.InputSchema.GetProperty("properties").TryGetProperty("Owner", out _), t.Name));

        var map = tools["Get-BpfMap"].ProtocolTool;
        var props = map.InputSchema.GetProperty("properties");
        Assert.Equal("array", props.GetProperty("Id").GetProperty("type").GetString());
        Assert.Equal("integer", props.GetProperty("Id").GetProperty("items").GetProperty("type").GetString());
        Assert.Equal("boolean", props.GetProperty("Dump").GetProperty("type").GetString());
        Assert.Equal(1, props.GetProperty("First").GetProperty("minimum").GetDouble());
        Assert.Contains("Map ids", props.GetProperty("Id").GetProperty("description").GetString());
        // Id and Dump are mandatory only in the Dump set: not required by the schema, named in the description.
        Assert.False(map.InputSchema.TryGetProperty("required", out _));
        Assert.Contains("Use one form: Id, Name; or Id, Dump (also First).", map.Description);
        // Typical arguments come from the help's examples, written for an agent (no PowerShell syntax).
        Assert.Contains("E.g. Name=[syscall_counts].", map.Description); // from the help's first example
        Assert.Contains("BTF", map.Description);
        Assert.True(map.Annotations!.ReadOnlyHint);
        Assert.NotEqual(true, map.Annotations.DestructiveHint);
        Assert.False(map.Annotations.OpenWorldHint);
        foreach (var common in new[] { "Verbose", "ErrorAction", "WhatIf" })
        {
            Assert.False(props.TryGetProperty(common, out _));
        }
        // The output schema comes from [OutputType]: both shapes Get-BpfMap can write.
        var items = map.OutputSchema!.Value.GetProperty("properties").GetProperty("items").GetProperty("items");
        Assert.Equal(2, items.GetProperty("anyOf").GetArrayLength());

        // A cmdlet the bridge never heard of: mandatory → required, ValidateSet → enum, ValidateRange → bounds.
        var echo = tools["Get-BpfTestEcho"].ProtocolTool.InputSchema;
        Assert.Equal(["Text"], echo.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["plain", "loud"], echo.GetProperty("properties").GetProperty("Mode").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(5, echo.GetProperty("properties").GetProperty("Count").GetProperty("maximum").GetDouble());
        Assert.Equal("array", echo.GetProperty("properties").GetProperty("Tag").GetProperty("type").GetString());
    }

    [Fact]
    public async Task KernelInfoCallReturnsStructuredContentAndTheSameDataAsText()
    {
        KernelPrerequisites.Require();
        await using var client = await BridgeProcess.StdioClientAsync();
        var result = await client.CallToolAsync("Get-BpfKernelInfo", new Dictionary<string, object?>());
        Assert.NotEqual(true, result.IsError);
        var s = Structured(result);
        Assert.Equal(1, s.GetProperty("count").GetInt32());
        var info = s.GetProperty("items")[0];
        Assert.Equal(KernelPrerequisites.Run("uname", "-r").Trim(), info.GetProperty("KernelRelease").GetString());
        var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Equal(JsonSerializer.Serialize(s), JsonSerializer.Serialize(JsonDocument.Parse(text).RootElement));
    }

    [Fact]
    public async Task ArgumentNamesAreCaseInsensitiveAndValuesConverted()
    {
        await using var client = await BridgeProcess.StdioClientAsync();
        var result = await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["text"] = "hi", ["COUNT"] = 3, ["mode"] = "loud", ["tag"] = "one" });
        var items = Structured(result).GetProperty("items");
        Assert.Equal(3, items.GetArrayLength());
        Assert.Equal("HI", items[2].GetProperty("Text").GetString());
        Assert.Equal(["one"], items[0].GetProperty("Tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Theory]
    [InlineData("""{"Text":"x","Nope":1}""", "Nope", "Unknown argument")]
    [InlineData("""{"Text":"x","Count":"many"}""", "Count", "whole number")]
    [InlineData("""{"Text":"x","Count":2.5}""", "Count", "whole number")]
    [InlineData("""{"Text":["a","b"]}""", "Text", "must be a string")]
    [InlineData("""{"Count":2}""", "Text", "Missing required argument")]
    [InlineData("""{"Text":"x","Fail":"yes"}""", "Fail", "boolean")]
    public async Task BadArgumentsAreToolErrorsNamingTheArgument(string arguments, string argument, string says)
    {
        await using var client = await BridgeProcess.StdioClientAsync();
        var args = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments)!;
        var result = await client.CallToolAsync(new CallToolRequestParams { Name = "Get-BpfTestEcho", Arguments = args });
        Assert.True(result.IsError);
        var error = Structured(result).GetProperty("error");
        Assert.Equal("InvalidArgument", error.GetProperty("errorId").GetString());
        Assert.Equal(argument, error.GetProperty("target").GetString());
        Assert.Contains(says, error.GetProperty("message").GetString());
        // The server is still fine afterwards.
        Assert.NotEqual(true, (await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "ok" })).IsError);
    }

    [Fact]
    public async Task ValidationAttributesAndTerminatingErrorsBecomeToolErrorsWithTheErrorRecordsFacts()
    {
        await using var client = await BridgeProcess.StdioClientAsync();
        var outOfRange = await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "x", ["Count"] = 9 });
        Assert.True(outOfRange.IsError);
        var e1 = Structured(outOfRange).GetProperty("error");
        Assert.StartsWith("ParameterArgumentValidationError", e1.GetProperty("errorId").GetString());
        Assert.Contains("Count", e1.GetProperty("message").GetString());

        var failed = await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "boom", ["Fail"] = true });
        Assert.True(failed.IsError);
        var e2 = Structured(failed).GetProperty("error");
        Assert.Equal("TestFailure,EbpfMcp.TestModule.GetBpfTestEchoCommand", e2.GetProperty("errorId").GetString());
        Assert.Equal("InvalidOperation", e2.GetProperty("category").GetString());
        Assert.Equal("boom", e2.GetProperty("target").GetString());

        var partial = await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "x", ["WriteNonTerminating"] = true });
        Assert.NotEqual(true, partial.IsError); // output and a non-terminating error: not a failed call
        Assert.Equal("TestNonTerminating,EbpfMcp.TestModule.GetBpfTestEchoCommand", Structured(partial).GetProperty("errors")[0].GetProperty("errorId").GetString());
    }

    [Fact]
    public async Task UnknownToolIsAProtocolError()
    {
        await using var client = await BridgeProcess.StdioClientAsync();
        var e = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("Get-Nothing", new Dictionary<string, object?>()).AsTask());
        Assert.Contains("Unknown tool", e.Message);
        var deploy = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = "/x" }).AsTask());
        Assert.Contains("--allow-deploy", deploy.Message);
    }

    [Fact]
    public async Task ProgressAndLogRecordsReachTheClient()
    {
        var progress = new List<ProgressNotificationValue>();
        var logs = new List<string>();
        var options = new McpClientOptions
        {
            ProtocolVersion = "2025-11-25", // logging/setLevel belongs to this revision

            Handlers = new McpClientHandlers
            {
                NotificationHandlers =
                [
                    new(NotificationMethods.LoggingMessageNotification, (n, ct) =>
                    {
                        lock (logs) logs.Add(n.Params!.ToJsonString());
                        return ValueTask.CompletedTask;
                    }),
                ],
            },
        };
        var transport = new StdioClientTransport(new StdioClientTransportOptions { Command = BridgeProcess.Executable, Arguments = ["-t", "stdio", "--module", BridgeProcess.TestModuleManifest] });
        await using var client = await McpClient.CreateAsync(transport, options);
        await client.SetLoggingLevelAsync(LoggingLevel.Debug);
        var reporter = new SynchronousProgress(v => { lock (progress) progress.Add(v); });
        // A cmdlet that reports progress over a second, so notifications arrive before the result.
        await client.CallToolAsync("Measure-BpfTestWait", new Dictionary<string, object?> { ["Seconds"] = 1 }, reporter);
        await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "p", ["Count"] = 4 });
        await Task.Delay(300); // log notifications may trail the result

        lock (progress)
        {
            // The C# client hands notifications to IProgress concurrently and drops those that trail
            // the result, so strict order and completeness are asserted by the TypeScript client test.
            Assert.True(progress.Count >= 3, $"{progress.Count} progress notifications");
            Assert.All(progress, p => Assert.Contains("Waiting", p.Message));
            Assert.All(progress, p => Assert.InRange(p.Progress, 0f, 100f));
        }
        lock (logs)
        {
            Assert.Contains(logs, l => l.Contains("\"warning\"") && l.Contains("this is a test warning"));
            Assert.Contains(logs, l => l.Contains("\"debug\"") && l.Contains("echoing"));
        }
    }

    [Fact]
    public async Task ToolsListIsAnsweredWithoutPowerShellAndTheFirstCallStartsIt()
    {
        KernelPrerequisites.Require();
        // As clients start it (no --warm-start): tools/list comes from the listing written at build.
        var marker = Path.Combine(Path.GetTempPath(), $"lazy-{Guid.NewGuid():N}.log");
        var transport = new StdioClientTransport(new StdioClientTransportOptions { Command = BridgeProcess.Executable, Arguments = ["-t", "stdio", "--audit-log", marker] });
        try
        {
            await using var client = await McpClient.CreateAsync(transport);
            var tools = await client.ListToolsAsync();
            Assert.Equal(ModuleCmdlets.ReadOnly.Order(StringComparer.Ordinal), tools.Select(t => t.Name).Order(StringComparer.Ordinal));
            int pid = BridgeProcess.PidOf(marker);
            await Task.Delay(500);
            Assert.False(ImportedTheModule(pid), "PowerShell imported the module before any tool call");

            var info = await client.CallToolAsync("Get-BpfKernelInfo");
            Assert.NotEqual(true, info.IsError);
            Assert.True(Structured(info).GetProperty("items")[0].GetProperty("KernelRelease").GetString()!.Length > 0);
            Assert.True(ImportedTheModule(pid), "a tool call ran without the module?");
        }
        finally
        {
            File.Delete(marker);
        }

        // The bridge never references the module's assembly: it is mapped once PowerShell imports the module.
        static bool ImportedTheModule(int pid) => File.ReadAllText($"/proc/{pid}/maps").Contains("/EbpfMcp.dll", StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancellationStopsTheRunningPipeline()
    {
        // One runspace: the next call can only run once the cancelled pipeline has really stopped.
        await using var client = await BridgeProcess.StdioClientAsync("--pool", "1");
        _ = client.StartToolCall("wait-to-cancel", "Measure-BpfTestWait", """{"Seconds":30}""");
        await Task.Delay(500);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await client.CancelAsync("wait-to-cancel");
        var next = await client.CallToolAsync("Measure-BpfTestWait", new Dictionary<string, object?> { ["Seconds"] = 1 });
        Assert.NotEqual(true, next.IsError);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the next call waited {clock.Elapsed}: the cancelled pipeline kept running");
    }

    [Fact]
    public async Task CancellingARunningTraceDetachesItsProgram()
    {
        KernelPrerequisites.Require();
        await using var client = await BridgeProcess.StdioClientAsync();
        var before = KernelPrograms.Ids();
        // A request with an id we know, so the test itself sends notifications/cancelled for it.
        var call = client.StartToolCall("trace-to-cancel", "Trace-BpfSyscallError", """{"Duration":30}""");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!KernelPrograms.List().Any(p => !before.Contains(p.Id) && p.Name.StartsWith("syscall_errors", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the trace never attached");
            Assert.False(call.IsCompleted, "the trace call ended before it was cancelled");
            await Task.Delay(20);
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await client.CancelAsync("trace-to-cancel");
        // notifications/cancelled → PowerShell.Stop() → the cmdlet's finally detaches, long before the 30 s.
        KernelPrograms.AssertReturnsTo(before);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"detaching took {clock.Elapsed}");
    }

    [Fact]
    public async Task OutputIsCappedAndSaysTruncatedWithTheTotal()
    {
        await using var client = await BridgeProcess.StdioClientAsync("--max-items", "2");
        var result = await client.CallToolAsync("Get-BpfTestEcho", new Dictionary<string, object?> { ["Text"] = "t", ["Count"] = 5 });
        var s = Structured(result);
        Assert.Equal(2, s.GetProperty("count").GetInt32());
        Assert.Equal(5, s.GetProperty("total").GetInt32());
        Assert.True(s.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task WhatASessionInstalledIsRemovedWhenItEnds()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        uint programId;
        await using (var client = await BridgeProcess.StdioClientAsync("--allow-deploy"))
        {
            var tools = await client.ListToolsAsync();
            var install = tools.Single(t => t.Name == "Install-BpfProgram").ProtocolTool;
            Assert.True(install.Annotations!.DestructiveHint);
            Assert.NotEqual(true, install.Annotations.ReadOnlyHint);

            var result = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.Counter, ["Attach"] = true });
            Assert.NotEqual(true, result.IsError);
            var installation = Structured(result).GetProperty("items")[0];
            programId = installation.GetProperty("Programs")[0].GetProperty("Id").GetUInt32();
            Assert.Contains(programId, KernelPrograms.Ids());

            var hooks = await client.CallToolAsync("Get-BpfHook", new Dictionary<string, object?> { ["Id"] = new[] { programId } });
            Assert.Equal(installation.GetProperty("Id").GetString(), Structured(hooks).GetProperty("items")[0].GetProperty("InstalledBy").GetString());

            // A verifier rejection over MCP carries the verifier log.
            var rejected = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = TestObjects.VerifierReject });
            Assert.True(rejected.IsError);
            var error = Structured(rejected).GetProperty("error");
            Assert.Equal("VerifierRejected,EbpfMcp.Commands.InstallBpfProgramCommand", error.GetProperty("errorId").GetString());
            Assert.Equal("InvalidData", error.GetProperty("category").GetString());
            Assert.Contains("map_value_or_null", error.GetProperty("verifierLog").GetString());
        }
        // stdin closed: the session is over and its programs are gone.
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task IdenticalReadCallsThatOverlapRunOnceAndALaterOneRunsAfresh()
    {
        await using var client = await BridgeProcess.StdioClientAsync();
        async Task<int> RunAsync(string label, int milliseconds = 1500)
        {
            var result = await client.CallToolAsync("Get-BpfTestRun", new Dictionary<string, object?> { ["Milliseconds"] = milliseconds, ["Label"] = label });
            Assert.NotEqual(true, result.IsError);
            return Structured(result).GetProperty("items")[0].GetInt32();
        }
        // Eight identical calls while the first runs: one run, one answer for all.
        var first = RunAsync("same");
        await Task.Delay(300);
        var joined = await Task.WhenAll(Enumerable.Range(0, 7).Select(_ => RunAsync("same")));
        int run = await first;
        Assert.All(joined, r => Assert.Equal(run, r));
        // Different arguments are another call; after the shared one ended, the same call runs afresh.
        int other = await RunAsync("other", 0);
        Assert.Equal(run + 1, other);
        Assert.Equal(other + 1, await RunAsync("same", 0));
    }

    private sealed class SynchronousProgress(Action<ProgressNotificationValue> report) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => report(value);
    }
}
