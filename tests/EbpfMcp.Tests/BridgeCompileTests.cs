using System.Diagnostics;
using System.Text.Json;
using EbpfMcp.Tests.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Tests;

/// <summary>
/// Issue #19 item 1 over MCP: compiling is off unless the bridge is started with --allow-compile
/// (which needs --allow-source), and then the include attacks (absolute, '..', a header linked
/// outside, names computed by macros) are refused with nothing compiled, loaded or disclosed.
/// </summary>
public sealed class BridgeCompileTests : IDisposable
{
    private readonly string scratch = Directory.CreateTempSubdirectory("ebpf-mcp-bridge-compile-").FullName;

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    private static JsonElement Error(CallToolResult r) => r.StructuredContent!.Value.GetProperty("error");

    private static string ErrorId(CallToolResult r) => Error(r).GetProperty("errorId").GetString()!.Split(',')[0];

    private static ValueTask<CallToolResult> Install(McpClient client, string path) =>
        client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = path });

    [Fact]
    public async Task CompilingIsOffWithoutAllowCompileAndTheSwitchIsTheBridges()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        var source = InstallFromSourceTests.WeightedCounter(scratch, Getpgid.UniqueArgument(), 1);
        await using var client = await BridgeProcess.StdioClientAsync("--allow-deploy");
        var install = (await client.ListToolsAsync()).Single(t => t.Name == "Install-BpfProgram");
        Assert.False(install.ProtocolTool.InputSchema.GetProperty("properties").TryGetProperty("NoCompile", out _));

        var refused = await Install(client, source);
        Assert.True(refused.IsError);
        Assert.Equal("PolicyDenied", ErrorId(refused));
        Assert.Contains("--allow-compile", Error(refused).GetProperty("message").GetString());
        // A client cannot turn the switch off: it is not a parameter it may give.
        var sneaky = await client.CallToolAsync("Install-BpfProgram", new Dictionary<string, object?> { ["Path"] = source, ["NoCompile"] = false });
        Assert.True(sneaky.IsError);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task AllowCompileNeedsAllowSource()
    {
        using var p = Process.Start(BridgeProcess.Raw("--allow-compile"))!;
        p.StandardInput.Close();
        var error = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000));
        Assert.Equal(1, p.ExitCode);
        Assert.Contains("--allow-compile needs --allow-source", await error);
    }

    [Fact]
    public async Task SourcesCompileWithinTheAllowedDirectoriesAndIncludeAttacksAreRefused()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        var allowed = Directory.CreateDirectory(Path.Combine(scratch, "allowed")).FullName;
        var marker = "SECRET-" + Guid.NewGuid().ToString("N");
        var secret = Path.Combine(scratch, "secret.h");
        File.WriteAllText(secret, $"{marker} {marker};\n");
        File.CreateSymbolicLink(Path.Combine(allowed, "linked.h"), secret);
        string Source(string name, string body)
        {
            var path = Path.Combine(allowed, name);
            File.WriteAllText(path, "#include \"vmlinux.h\"\n#include <bpf/bpf_helpers.h>\n" + body + "\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n");
            return path;
        }
        await using var client = await BridgeProcess.StdioClientAsync("--allow-compile", "--allow-source", allowed);

        var attacks = new[]
        {
            Source("absolute.bpf.c", $"#include \"{secret}\""),
            Source("dotdot.bpf.c", "#include \"../secret.h\""),
            Source("macro.bpf.c", $"#define F \"{secret}\"\n#include F"),
            Source("linked.bpf.c", "#include \"linked.h\""),
            File.CreateSymbolicLink(Path.Combine(allowed, "escape.bpf.c"), Source("../outside.bpf.c", "")).FullName,
        };
        foreach (var attack in attacks)
        {
            var result = await Install(client, attack);
            Assert.True(result.IsError, attack);
            Assert.Equal("PolicyDenied", ErrorId(result));
            Assert.DoesNotContain(marker, JsonSerializer.Serialize(result));
        }
        KernelPrograms.AssertReturnsTo(before);

        // A header of its own with an error: only the source's diagnostics come back, never the header's text.
        File.WriteAllText(Path.Combine(allowed, "bad.h"), $"int {marker} = nowhere;\n");
        var broken = await Install(client, Source("broken.bpf.c", "#include \"bad.h\"\nint f(void) { return missing; }"));
        Assert.True(broken.IsError);
        Assert.Equal("CompilationFailed", ErrorId(broken));
        var diagnostic = Assert.Single(Error(broken).GetProperty("diagnostics").EnumerateArray());
        Assert.Equal("broken.bpf.c", diagnostic.GetProperty("File").GetString());
        Assert.Equal(4, diagnostic.GetProperty("Line").GetInt32());
        Assert.Equal("error", diagnostic.GetProperty("Severity").GetString());
        Assert.DoesNotContain(marker, JsonSerializer.Serialize(broken));
        KernelPrograms.AssertReturnsTo(before);

        // A good source in the allowed directory compiles and loads, and is removed again.
        var installed = await Install(client, InstallFromSourceTests.WeightedCounter(allowed, Getpgid.UniqueArgument(), 2));
        Assert.NotEqual(true, installed.IsError);
        var id = installed.StructuredContent!.Value.GetProperty("items")[0].GetProperty("Id").GetString();
        Assert.Single(KernelPrograms.Ids().Except(before));
        var removed = await client.CallToolAsync("Uninstall-BpfProgram", new Dictionary<string, object?> { ["Id"] = new[] { id } });
        Assert.NotEqual(true, removed.IsError);
        KernelPrograms.AssertReturnsTo(before);
    }
}
