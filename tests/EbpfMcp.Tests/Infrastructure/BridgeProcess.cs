using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ModelContextProtocol.Client;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>Starts the real ebpf-mcp bridge as a separate process, the way MCP clients do.</summary>
public static class BridgeProcess
{
    private static string Configuration => AppContext.BaseDirectory.Contains("/bin/Release/") ? "Release" : "Debug";

    public static string Executable => Path.Combine(TestObjects.RepoRoot, "src", "EbpfMcp.Bridge", "bin", Configuration, "net10.0", "ebpf-mcp");

    public static string TestModuleManifest => Path.Combine(TestObjects.RepoRoot, "tests", "EbpfMcp.TestModule", "bin", Configuration, "net8.0", "EbpfMcpTestModule.psd1");

    /// <summary>An MCP client over stdio to a fresh bridge; disposing it closes stdin (the session's end).</summary>
    public static Task<McpClient> StdioClientAsync(params string[] extraArguments) => StdioClientAsync(null, extraArguments);

    /// <param name="stderr">Receives the bridge's stderr lines (its log).</param>
    public static Task<McpClient> StdioClientAsync(Action<string>? stderr, params string[] extraArguments)
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "ebpf-mcp-test",
            StandardErrorLines = stderr,
            Command = Executable,
            Arguments = ["-t", "stdio", "--module", TestModuleManifest, .. extraArguments],
            ShutdownTimeout = TimeSpan.FromSeconds(10),
        });
        return McpClient.CreateAsync(transport, ClientOptions);
    }

    /// <summary>The revision the bridge negotiates by initialize (the SDK would otherwise probe newer ones).</summary>
    public static McpClientOptions ClientOptions => new() { ProtocolVersion = "2025-11-25" };

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
        foreach (var a in (string[])["-t", "http", "--port", Port.ToString(), "--token-file", tokenFile, "--module", BridgeProcess.TestModuleManifest, .. extraArguments])
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
