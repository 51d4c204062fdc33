using System.Diagnostics;
using System.Globalization;
using ModelContextProtocol.Client;

namespace EbpfMcp.Bench;

/// <summary>Concurrent clients against one bridge (loopback only, bounded in count and time).</summary>
public static class Load
{
    /// <param name="ServerCpuPerCall">The server process's CPU time (user + system) per call, in ms, when its pid was given.</param>
    public sealed record Result(double P50, double P99, int Failed, double CallsPerSecond, double ServerCpuPerCall = double.NaN);

    /// <summary>Each client makes its calls one after another, going round <paramref name="mix"/>; all clients at once.</summary>
    public static async Task<Result> RunAsync(Func<Task<McpClient>> connect, int clients, int callsPerClient, IReadOnlyList<(string Tool, Dictionary<string, object?> Arguments)> mix, int? serverPid = null)
    {
        var connected = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => connect()));
        using var server = serverPid is { } pid ? Process.GetProcessById(pid) : null;
        var cpuBefore = server?.TotalProcessorTime ?? TimeSpan.Zero;
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        int failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(connected.Select((client, c) => Task.Run(async () =>
        {
            for (int i = 0; i < callsPerClient; i++)
            {
                var (tool, args) = mix[(i + c) % mix.Count];
                var sw = Stopwatch.StartNew();
                try
                {
                    var result = await client.CallToolAsync(tool, args);
                    if (result.IsError == true)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failed);
                }
                latencies.Add(sw.Elapsed.TotalMilliseconds);
            }
        })));
        double seconds = clock.Elapsed.TotalSeconds;
        server?.Refresh();
        double cpuPerCall = server is null ? double.NaN : (server.TotalProcessorTime - cpuBefore).TotalMilliseconds / latencies.Count;
        foreach (var client in connected)
        {
            await client.DisposeAsync();
        }
        var all = latencies.ToList();
        return new Result(Stats.Percentile(all, 50), Stats.Percentile(all, 99), failed, all.Count / seconds, cpuPerCall);
    }
}

/// <summary>
/// Steady mixed calls and short traces for a bounded time (default 30 minutes), sampling the
/// bridge's RSS, fd and thread counts every 5 s into a CSV, then judging: the RSS slope after
/// warm-up, fds and threads flat, and no program left in the kernel once the bridge has exited.
/// </summary>
public static class Soak
{
    public static async Task<int> RunAsync(BenchEnvironment env, double minutes)
    {
        var csv = Path.Combine(env.Repo, "out", "bench", $"soak-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(csv)!);
        var programsBefore = ProgramIds();
        var bridge = await BridgeProbe.StartHttpAsync(env.Bridge, "--max-traces", "8");
        var client = await bridge.ConnectAsync();
        var end = DateTime.UtcNow.AddMinutes(minutes);
        var samples = new List<(double T, double RssMb, int Fds, int Threads, double P50)>();
        var clock = Stopwatch.StartNew();
        var window = new List<double>();
        var nextSample = TimeSpan.Zero;
        long calls = 0;
        using (var writer = new StreamWriter(csv))
        {
            writer.WriteLine("seconds,rss_mb,fds,threads,p50_ms,calls");
            while (DateTime.UtcNow < end)
            {
                var sw = Stopwatch.StartNew();
                var tool = calls % 20 == 0 ? "Trace-BpfSyscallError" : calls % 2 == 0 ? "Get-BpfHook" : "Get-BpfKernelInfo";
                var args = tool.StartsWith("Trace") ? new Dictionary<string, object?> { ["Duration"] = 0.05 } : new Dictionary<string, object?>();
                await client.CallToolAsync(tool, args);
                window.Add(sw.Elapsed.TotalMilliseconds);
                calls++;
                await Task.Delay(5); // steady, not flat out
                if (clock.Elapsed >= nextSample)
                {
                    nextSample += TimeSpan.FromSeconds(5);
                    var pid = bridge.Pid;
                    double rss = BridgeProbe.ResidentMb(pid);
                    var status = File.ReadAllLines($"/proc/{pid}/status");
                    int threads = int.Parse(status.First(l => l.StartsWith("Threads:"))[8..].Trim());
                    int fds = Directory.GetFiles($"/proc/{pid}/fd").Length;
                    double p50 = window.Count > 0 ? Stats.Median(window) : 0;
                    window.Clear();
                    samples.Add((clock.Elapsed.TotalSeconds, rss, fds, threads, p50));
                    writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:F0},{rss:F1},{fds},{threads},{p50:F2},{calls}"));
                    writer.Flush();
                }
            }
        }
        // After warm-up (the first sixth, at least a minute): RSS by least squares, in MB per minute;
        // fds and threads as the last minute against the first minute after warm-up.
        double warmUp = Math.Max(60, samples[^1].T / 6);
        var steady = samples.Where(s => s.T >= warmUp).ToList();
        if (steady.Count < 3)
        {
            steady = samples;
        }
        double meanT = steady.Average(s => s.T / 60), meanR = steady.Average(s => s.RssMb);
        double slope = steady.Sum(s => (s.T / 60 - meanT) * (s.RssMb - meanR)) / Math.Max(1e-9, steady.Sum(s => Math.Pow(s.T / 60 - meanT, 2)));
        var first = steady.Where(s => s.T < steady[0].T + 60).ToList();
        var last = steady.Where(s => s.T >= steady[^1].T - 60).ToList();
        double fdGrowth = last.Average(s => s.Fds) - first.Average(s => s.Fds);
        double threadGrowth = last.Average(s => s.Threads) - first.Average(s => s.Threads);
        double ranMinutes = clock.Elapsed.TotalMinutes;
        // Idle after the calls: the bridge gives its heap's free memory back within two minutes.
        await Task.Delay(TimeSpan.FromSeconds(130));
        double idleRss = BridgeProbe.ResidentMb(bridge.Pid);
        await client.DisposeAsync();
        await bridge.DisposeAsync();
        Thread.Sleep(500);
        int left = ProgramIds().Except(programsBefore).Count();
        Console.WriteLine($"soak: {calls} calls in {ranMinutes:F1} min; samples in {csv}");
        Console.WriteLine($"soak: RSS slope after warm-up {slope:F3} MB/min (target ≤ 0.1), {first.Average(s => s.RssMb):F1} → {last.Average(s => s.RssMb):F1} MB");
        Console.WriteLine($"soak: RSS 130 s after the last call {idleRss:F1} MB");
        Console.WriteLine($"soak: fds {first.Average(s => s.Fds):F0} → {last.Average(s => s.Fds):F0}, threads {first.Average(s => s.Threads):F0} → {last.Average(s => s.Threads):F0} (targets: growth ≤ 2)");
        Console.WriteLine($"soak: programs in the kernel after the bridge exited that were not there before: {left}");
        // Growth is what leaks; fewer threads at the end (idle pool threads retired) is not.
        bool flat = slope <= 0.1 && fdGrowth <= 2 && threadGrowth <= 2 && left == 0;
        Console.WriteLine(flat ? "soak: PASS" : "soak: MISS");
        return flat ? 0 : 1;
    }

    private static HashSet<string> ProgramIds() =>
        [.. System.Text.RegularExpressions.Regex.Matches(Run.Process("bpftool", "-j", "prog", "show"), "\"id\":(\\d+)").Select(m => m.Groups[1].Value)];
}
