using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EbpfMcp.Tests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests;

/// <summary>
/// Issue #14: tools/list is small (measured on the bytes the server really sends), every tool has
/// an output schema and a description for an agent, Get-BpfFeature without arguments is a short
/// summary, and the investigation prompts name only tools that exist.
/// </summary>
public sealed class BridgeToolsListTests
{
    /// <summary>The raw tools/list response line and the initialize result, as a client receives them over stdio.</summary>
    private static async Task<(string ToolsList, JsonNode Initialize)> RawAsync(params string[] arguments)
    {
        using var p = Process.Start(BridgeProcess.Raw(["-t", "stdio", .. arguments]))!;
        _ = p.StandardError.ReadToEndAsync();
        await p.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        await p.StandardInput.FlushAsync();
        var initialize = JsonNode.Parse((await p.StandardOutput.ReadLineAsync())!)!;
        await p.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        await p.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}""");
        await p.StandardInput.FlushAsync();
        var list = (await p.StandardOutput.ReadLineAsync())!;
        p.StandardInput.Close();
        await p.WaitForExitAsync();
        return (list, initialize);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ToolsListAveragesAtMost1200BytesPerToolAndEveryToolHasAnOutputSchema(bool deploy)
    {
        KernelPrerequisites.Require();
        var (raw, initialize) = await RawAsync(deploy ? ["--allow-deploy"] : []);
        var tools = JsonNode.Parse(raw)!["result"]!["tools"]!.AsArray();
        Assert.Equal(deploy ? ModuleCmdlets.All.Length : ModuleCmdlets.ReadOnly.Length, tools.Count);
        int perTool = Encoding.UTF8.GetByteCount(raw) / tools.Count;
        Assert.True(perTool <= 1200, $"tools/list is {Encoding.UTF8.GetByteCount(raw)} bytes for {tools.Count} tools: {perTool} per tool");
        foreach (var tool in tools)
        {
            var name = (string)tool!["name"]!;
            Assert.Equal("object", (string)tool["outputSchema"]!["type"]!);
            Assert.NotNull(tool["outputSchema"]!["properties"]!["items"]);
            var description = (string)tool["description"]!;
            // Written for an agent: no PowerShell parameter syntax, no pipeline talk.
            Assert.DoesNotMatch(@"(^|\s)-[A-Z][A-Za-z]+", description);
            Assert.DoesNotContain("pipeline", description, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("Where-Object", description);
        }
        // What every tool shares is said once, at initialize.
        var instructions = (string)initialize["result"]!["instructions"]!;
        Assert.Contains("structuredContent {items, count, total, truncated}", instructions);
        Assert.Contains("Duration:", instructions);
    }

    [Fact]
    public async Task GetBpfFeatureWithoutArgumentsIsAShortSummary()
    {
        KernelPrerequisites.Require();
        await using var client = await BridgeProcess.StdioClientAsync();
        var summary = await client.CallToolAsync("Get-BpfFeature", new Dictionary<string, object?>());
        Assert.NotEqual(true, summary.IsError);
        var text = Assert.IsType<TextContentBlock>(Assert.Single(summary.Content)).Text;
        Assert.True(text.Length < 4096, $"{text.Length} characters");
        var items = summary.StructuredContent!.Value.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["ProgramType", "MapType", "AttachKind", "Helper", "Tracer"], items.Select(i => i.GetProperty("Category").GetString()));
        Assert.All(items, i => Assert.True(i.GetProperty("UnsupportedNames").GetArrayLength() <= 12));

        // The whole list is still there for whoever asks for it.
        var all = await client.CallToolAsync("Get-BpfFeature", new Dictionary<string, object?> { ["Name"] = new[] { "*" } });
        Assert.Equal(items.Sum(i => i.GetProperty("Supported").GetInt32() + i.GetProperty("Unsupported").GetInt32()), all.StructuredContent!.Value.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task PromptsAreShortPlansNamingOnlyToolsThatExist()
    {
        KernelPrerequisites.Require();
        await using var client = await BridgeProcess.StdioClientAsync();
        var tools = (await client.ListToolsAsync()).Select(t => t.Name).ToHashSet();
        var prompts = await client.ListPromptsAsync();
        Assert.Equal(["what-is-loaded", "what-uses-cpu", "why-requests-fail", "why-slow"], prompts.Select(p => p.Name).Order());
        foreach (var prompt in prompts)
        {
            var hasProcess = prompt.ProtocolPrompt.Arguments?.Any(a => a.Name == "process") == true;
            var result = await prompt.GetAsync(hasProcess ? new Dictionary<string, object?> { ["process"] = "nginx" } : null);
            var text = Assert.IsType<TextContentBlock>(Assert.Single(result.Messages).Content).Text;
            Assert.True(text.Length < 1500, $"{prompt.Name}: {text.Length} characters");
            var named = Regex.Matches(text, @"\b[A-Z][a-z]+-Bpf[A-Za-z]+\b").Select(m => m.Value).Distinct().ToList();
            Assert.NotEmpty(named);
            Assert.All(named, tool => Assert.Contains(tool, tools)); // a planned tool that is missing is never named
            Assert.DoesNotContain("Install-", text);
            if (hasProcess)
            {
                Assert.Contains("\"ProcessName\":\"nginx\"", text);
            }
        }
        // A plan adapts to the catalog: without a CPU profiler the CPU question starts from process churn.
        var cpu = await client.GetPromptAsync("what-uses-cpu");
        var plan = ((TextContentBlock)cpu.Messages[0].Content).Text;
        Assert.Contains(tools.Contains("Measure-BpfCpuProfile") ? "1. Measure-BpfCpuProfile" : "1. Trace-BpfExec", plan);
    }
}
