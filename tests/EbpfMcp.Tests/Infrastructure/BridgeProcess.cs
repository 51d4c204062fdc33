using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ModelContextProtocol.Client;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>Starts the real ebpf-mcp bridge as a separate process, the way MCP clients do.</summary>
public static class BridgeProcess
{
    private static string Configuration => AppContext.BaseDirectory.Contains("/bin/Release/") ? "Release" : "Debug";

    /// <summary>
    /// The bridge under test: the one this build made, or the one EBPF_MCP_TEST_BRIDGE names (to
    /// show that a test fails on an older build).
    /// </summary>
    public static string Executable => Environment.GetEnvironmentVariable("EBPF_MCP_TEST_BRIDGE") is { Length: > 0 } other
        ? other
        : Path.Combine(TestObjects.RepoRoot, "src", "EbpfMcp.Bridge", "bin", Configuration, "net10.0", "ebpf-mcp");

    /// <summary>The script module with an advanced function (and a simple one) for --module tests.</summary>
    public static string ScriptModuleManifest => Path.Combine(AppContext.BaseDirectory, "ScriptModule", "EbpfMcpScriptTest.psd1");

    public static string TestModuleManifest => Path.Combine(TestObjects.RepoRoot, "tests", "EbpfMcp.TestModule", "bin", Configuration, "net8.0", "EbpfMcpTestModule.psd1");

    /// <summary>An MCP client over stdio to a fresh bridge; disposing it closes stdin (the session's end).</summary>
    public static Task<McpClient> StdioClientAsync(params string[] extraArguments) => StdioClientAsync(_ => { }, extraArguments);

    /// <param name="configure">Changes the transport options (working directory, environment, ...).</param>
    public static Task<McpClient> StdioClientAsync(Action<StdioClientTransportOptions> configure, params string[] extraArguments)
    {
        var options = new StdioClientTransportOptions
        {
            Name = "ebpf-mcp-test",
            Command = Executable,
            // --warm-start: PowerShell starts at once, as in a long-running server; starting it with the first
            // call (the default) has a test of its own (BridgeStdioTests).
            Arguments = ["-t", "stdio", "--warm-start", "--module", TestModuleManifest, .. extraArguments],
            ShutdownTimeout = TimeSpan.FromSeconds(10),
        };
        configure(options);
        return McpClient.CreateAsync(new StdioClientTransport(options), ClientOptions);
    }

    /// <summary>The revision the bridge negotiates by initialize (the SDK would otherwise probe newer ones).</summary>
    public static McpClientOptions ClientOptions => new() { ProtocolVersion = "2025-11-25" };

    /// <summary>How to start the bridge by hand, every stream redirected (the caller drains stderr).</summary>
    public static ProcessStartInfo Raw(params string[] arguments) => new(Executable, arguments)
    {
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };

    /// <summary>The process id of the bridge whose command line contains <paramref name="marker"/> (a unique argument).</summary>
    public static int PidOf(string marker)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid))
            {
                try
                {
                    var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                    if (cmdline.Contains(marker, StringComparison.Ordinal) && cmdline.Contains("ebpf-mcp", StringComparison.Ordinal))
                    {
                        return pid;
                    }
                }
                catch (IOException)
                {
                    // gone meanwhile
                }
            }
        }
        throw new InvalidOperationException($"No bridge process with '{marker}' on its command line.");
    }

    /// <summary>Peak resident memory of a process (VmHWM), in bytes.</summary>
    public static long PeakResidentBytes(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A bridge serving HTTP on a free loopback port with a known token; killed on dispose.</summary>
public sealed class HttpBridge : IAsyncDisposable
{
    private readonly string tokenFile = Path.GetTempFileName();
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? process;

    public int Port { get; } = BridgeProcess.FreePort();
    public string Token { get; } = Guid.NewGuid().ToString("N");
    public Uri Endpoint => new($"http://127.0.0.1:{Port}/mcp");
    public Process Process => process!;

    private readonly List<string> log = [];

    public string[] Log()
    {
        lock (log) return [.. log];
    }

    public static async Task<HttpBridge> StartAsync(params string[] extraArguments)
    {
        var bridge = new HttpBridge();
        await bridge.StartProcessAsync(extraArguments);
        return bridge;
    }

    private async Task StartProcessAsync(string[] extraArguments)
    {
        File.WriteAllText(tokenFile, Token);
        var psi = new ProcessStartInfo(BridgeProcess.Executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in (string[])["-t", "http", "--warm-start", "--port", Port.ToString(), "--token-file", tokenFile, "--module", BridgeProcess.TestModuleManifest, .. extraArguments])
        {
            psi.ArgumentList.Add(a);
        }
        process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (log) log.Add(e.Data);
            if (e.Data.Contains("listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public HttpClient NewHttpClient(bool withToken = true)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(60) };
        if (withToken)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        }
        return client;
    }

    public Task<McpClient> McpClientAsync() => McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = Endpoint,
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + Token },
    }), BridgeProcess.ClientOptions);

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        File.Delete(tokenFile);
    }
}
