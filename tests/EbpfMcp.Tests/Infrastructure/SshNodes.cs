using System.Diagnostics;
using System.Text.Json;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// The two SSH "nodes" of tests/SshNodes/SshNodes.psm1 (the set-up Pester's fleet tests use too),
/// started with pwsh from .tools: node1 (127.0.0.1) and node2 (127.0.0.2) served by a private sshd
/// with the powershell subsystem, whose sessions find the module beside the bridge under test;
/// node3 is named in the ssh configuration but nothing listens there.
/// </summary>
public sealed class SshNodes : IAsyncLifetime
{
    private JsonElement nodes;

    public static string Pwsh => Path.Combine(TestObjects.RepoRoot, ".tools", "pwsh");

    private static string Script => Path.Combine(TestObjects.RepoRoot, "tests", "SshNodes", "SshNodes.psm1");

    /// <summary>Put first on PATH: its ssh uses the nodes' ssh configuration.</summary>
    public string Bin => nodes.GetProperty("Bin").GetString()!;

    public int Port => nodes.GetProperty("Port").GetInt32();

    public string Unreachable => nodes.GetProperty("Unreachable").GetString()!;

    /// <summary>A --hosts file naming node1, node2 and the unreachable node3.</summary>
    public string HostsFile { get; private set; } = "";

    /// <summary>The environment a bridge that reaches the nodes is started with.</summary>
    public Dictionary<string, string?> Environment => new() { ["PATH"] = $"{Bin}:{System.Environment.GetEnvironmentVariable("PATH")}" };

    public async ValueTask InitializeAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"ebpf-mcp-nodes-{Guid.NewGuid():N}");
        // The module the bridge under test serves, as an installed module (Modules/EbpfMcp) of the nodes' sessions.
        var modules = Path.Combine(Path.GetDirectoryName(BridgeProcess.Executable)!, "Modules");
        var json = await RunPwshAsync($"Start-SshNodes -Directory {Quote(directory)} -Pwsh {Quote(Pwsh)} -ModulePath {Quote(modules)} | ConvertTo-Json -Compress");
        nodes = JsonDocument.Parse(json).RootElement.Clone();
        HostsFile = Path.Combine(directory, "hosts.txt");
        await File.WriteAllTextAsync(HostsFile, "# the test fleet\nnode1\nnode2\n\nnode3   # nothing listens there\n");
    }

    public async ValueTask DisposeAsync()
    {
        if (nodes.ValueKind == JsonValueKind.Object)
        {
            await RunPwshAsync($"{Quote(nodes.GetRawText())} | ConvertFrom-Json | Stop-SshNodes");
        }
    }

    private static string Quote(string s) => "'" + s.Replace("'", "''") + "'";

    private static async Task<string> RunPwshAsync(string command)
    {
        var psi = new ProcessStartInfo(Pwsh) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-NoProfile", "-NonInteractive", "-Command", $"$ErrorActionPreference = 'Stop'; Import-Module {Quote(Script)}; {command}" })
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"pwsh {command}: exit {process.ExitCode}: {await error}{output}");
    }
}
