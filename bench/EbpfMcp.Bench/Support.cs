using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using ModelContextProtocol.Client;

namespace EbpfMcp.Bench;

/// <summary>Paths and tools the benchmarks need, built or found once.</summary>
/// <param name="Work">The run's scratch directory (built helpers): removed when the run ends.</param>
public sealed record BenchEnvironment(string Repo, string Bridge, string ModuleManifest, string CloseLoop, string OpenCount, string EmptyProgram, string? Bpftrace, string FloorServer, string Pwsh, string Work) : IDisposable
{
    public void Dispose() => Directory.Delete(Work, recursive: true);

    public static BenchEnvironment Prepare()
    {
        var repo = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repo, "EbpfMcp.sln")))
        {
            repo = Path.GetDirectoryName(repo.TrimEnd('/')) ?? throw new InvalidOperationException("repository root not found");
        }
        var config = AppContext.BaseDirectory.Contains("/bin/Release/") ? "Release" : "Debug";
        var work = Directory.CreateTempSubdirectory("ebpf-mcp-bench-").FullName;
        string Native(string name)
        {
            var output = Path.Combine(work, name);
            Run.Process("cc", "-O2", "-static", "-o", output, Path.Combine(repo, "bench", "native", name + ".c"));
            return output;
        }
        var empty = Path.Combine(work, "empty_raw_tp.bpf.o");
        Run.Process("clang-14", "-g", "-O2", "-target", "bpf", "-I", Path.Combine(repo, "bpf", "include"), "-c", Path.Combine(repo, "bench", "bpf", "empty_raw_tp.bpf.c"), "-o", empty);
        var bpftrace = new[] { "/usr/bin/bpftrace", "/usr/sbin/bpftrace" }.FirstOrDefault(File.Exists);
        // The bridge as users start it: through the repository's launcher, which runs what it
        // published (bench/run has it built) in the environment it sets up.
        // EBPF_MCP_BENCH_BRIDGE: another build of the bridge (e.g. src/EbpfMcp.Bridge/bin/Release/net10.0/ebpf-mcp).
        return new BenchEnvironment(repo, Environment.GetEnvironmentVariable("EBPF_MCP_BENCH_BRIDGE") ?? Path.Combine(repo, "ebpf-mcp"),
            Path.Combine(repo, "out", "EbpfMcp", "EbpfMcp.psd1"), Native("close_loop"), Native("open_count"), empty, bpftrace,
            Path.Combine(repo, "bench", "FloorServer", "bin", config, "net10.0", "FloorServer.dll"),
            Path.Combine(repo, ".tools", "pwsh"), // installed by bench/run, as by run-tests
            work);
    }
}

public static class Stats
{
    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var rank = p / 100 * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}

public sealed class ResultTable
{
    private readonly List<(string Name, double Value, string Unit, double? Baseline, string? BaselineName, string? Target, bool? Pass)> rows = [];

    public void Add(string name, double value, string unit, double? baseline = null, string? baselineName = null, string? target = null, bool? pass = null) =>
        rows.Add((name, value, unit, baseline, baselineName, target, pass));

    /// <summary>Whether a section failed to measure.</summary>
    public bool Failed => rows.Any(r => r.Name.EndsWith(": FAILED", StringComparison.Ordinal));

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"{"measure",-52} {"value",12} {"unit",-10} {"baseline (same run)",-40} {"ratio",8}  target");
        Console.WriteLine(new string('-', 150));
        foreach (var r in rows)
        {
            var baseline = r.Baseline is double b ? $"{b,10:F2} {r.BaselineName}" : "";
            var ratio = r.Baseline is double bb && bb != 0 && r.Value != 0 ? (r.Unit == "ms" ? bb / r.Value : r.Value / bb) : (double?)null;
            var verdict = r.Pass is bool p ? (p ? "PASS " : "MISS ") + r.Target : r.Target ?? "";
            Console.WriteLine($"{r.Name,-52} {r.Value,12:F2} {r.Unit,-10} {baseline,-40} {(ratio is double x ? $"{x:F2}×" : ""),8}  {verdict}");
        }
        Console.WriteLine("\nratio: for times, baseline/value (how many times faster); for rates and counts, value/baseline.");
    }
}

public static class Run
{
    public static string Process(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {error.Result}");
        }
        return output.Result;
    }

    public static BackgroundProcess Background(string file, params string[] args) => new(file, args);

    public static BackgroundProcess Background(string file, IEnumerable<string> args) => new(file, args.ToArray());
}

public sealed class BackgroundProcess : IDisposable
{
    private readonly Process process;
    private readonly TaskCompletionSource<bool> seen = new();
    private readonly List<string> lines = [];
    private volatile string? waitingFor;

    public BackgroundProcess(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => Check(e.Data);
        process.ErrorDataReceived += (_, e) => Check(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process => process;

    /// <summary>Every line written so far, stdout and stderr interleaved as they arrived.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (lines)
            {
                return [.. lines];
            }
        }
    }

    private void Check(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (lines)
        {
            lines.Add(line);
        }
        if (waitingFor is not null && line.Contains(waitingFor, StringComparison.Ordinal))
        {
            seen.TrySetResult(true);
        }
    }

    public void WaitForOutput(string text, TimeSpan timeout)
    {
        waitingFor = text;
        if (Lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            seen.TrySetResult(true); // written before anyone waited for it
        }
        if (!seen.Task.Wait(timeout))
        {
            throw new TimeoutException($"'{text}' not seen");
        }
        Thread.Sleep(300);
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.Dispose();
    }
}

/// <summary>The bridge as clients meet it: spawned over stdio, or serving HTTP.</summary>
public static class BridgeProbe
{
    /// <summary>What a client meets when it starts the bridge over stdio, and the bridge's memory before and after a first call.</summary>
    public sealed record ColdStart(double ToolsListMs, double IdleRssMb, double FirstCallMs, double UsedRssMb);

    public static async Task<ColdStart> ColdStartAsync(string bridge)
    {
        var psi = new ProcessStartInfo(bridge, ["-t", "stdio", "--audit-log", "none"]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        _ = p.StandardError.ReadToEndAsync();
        async Task Answer(int id)
        {
            string? line;
            while ((line = await p.StandardOutput.ReadLineAsync()) is not null && !line.Contains($"\"id\":{id}")) { }
        }
        await p.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}""");
        await p.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        await p.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
        await p.StandardInput.FlushAsync();
        await Answer(2);
        double ms = sw.Elapsed.TotalMilliseconds;
        await Task.Delay(3000); // idle
        double idle = ResidentMb(p.Id);
        sw.Restart();
        await p.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"Get-BpfHook","arguments":{}}}""");
        await p.StandardInput.FlushAsync();
        await Answer(3);
        double first = sw.Elapsed.TotalMilliseconds;
        await Task.Delay(3000); // idle again, PowerShell up
        double used = ResidentMb(p.Id);
        p.StandardInput.Close();
        await p.WaitForExitAsync();
        return new ColdStart(ms, idle, first, used);
    }

    public static double ResidentMb(int pid) =>
        double.Parse(File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;

    public static async Task<HttpBridgeProcess> StartHttpAsync(string bridge, params string[] extra)
    {
        var token = Guid.NewGuid().ToString("N");
        var tokenFile = Path.GetTempFileName();
        File.WriteAllText(tokenFile, token);
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        int p = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        var process = Run.Background(bridge, ["-t", "http", "--port", p.ToString(), "--token-file", tokenFile, "--audit-log", "none", .. extra]);
        process.WaitForOutput("listening on", TimeSpan.FromSeconds(30));
        return new HttpBridgeProcess(process, p, token, tokenFile);
    }
}

public sealed class HttpBridgeProcess(BackgroundProcess process, int port, string token, string tokenFile) : IAsyncDisposable
{
    public int Pid => process.Process.Id;

    public Task<McpClient> ConnectAsync() => McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = new Uri($"http://127.0.0.1:{port}/mcp"),
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
    }), new McpClientOptions { ProtocolVersion = "2025-11-25" });

    public ValueTask DisposeAsync()
    {
        process.Dispose();
        File.Delete(tokenFile);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The module in this process, for loads the bridge is not needed for.</summary>
public sealed class InProcessPowerShell : IDisposable
{
    private readonly Runspace runspace;
    private PowerShell? running;

    public InProcessPowerShell(string manifest)
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(manifest);
        runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
    }

    public void Invoke(string script, params (string Name, object Value)[] variables)
    {
        foreach (var (name, value) in variables) runspace.SessionStateProxy.SetVariable(name, value);
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script).Invoke();
        if (ps.Streams.Error.Count > 0) throw new InvalidOperationException(ps.Streams.Error[0].ToString());
    }

    public Task<(List<object> Output, List<string> Warnings)> StartAsync(string script)
    {
        var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script);
        running = ps;
        return Task.Run(async () =>
        {
            var warnings = new List<string>();
            try
            {
                var output = await ps.InvokeAsync();
                warnings.AddRange(ps.Streams.Warning.Select(w => w.Message));
                LastErrors = string.Join("; ", ps.Streams.Error.Select(e => e.ToString()));
                return (output.Select(o => o.BaseObject).ToList(), warnings);
            }
            catch (PipelineStoppedException)
            {
                return (new List<object>(), warnings); // stopped on purpose
            }
        });
    }

    /// <summary>Waits until a program with one of these names (or a name starting so) is in the kernel.</summary>
    public void WaitForProgram(params string[] names) => WaitForProgram(null, names);

    /// <summary>As <see cref="WaitForProgram(string[])"/>, failing at once with the error of <paramref name="running"/> if it ends first.</summary>
    public void WaitForProgram(Task? running, params string[] names)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!names.Any(n => Run.Process("bpftool", "prog", "show").Contains("name " + n, StringComparison.Ordinal)))
        {
            if (running is { IsCompleted: true })
            {
                running.GetAwaiter().GetResult(); // its exception, if it failed
                throw new InvalidOperationException($"the command ended before program {string.Join(" or ", names)} attached");
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"program {string.Join(" or ", names)} never attached");
            Thread.Sleep(20);
        }
        Thread.Sleep(100);
    }

    /// <summary>The errors the last started command wrote.</summary>
    public string LastErrors { get; private set; } = "";

    public void Stop() => running?.Stop();

    public void Dispose() => runspace.Dispose();
}
