using System.Diagnostics;
using System.Globalization;

namespace EbpfMcp.Bench;

/// <summary>Concurrent clients against one bridge (loopback only, bounded in count and time).</summary>
public static class Load
{
    public sealed record Result(double P50, double P99, int Failed, double CallsPerSecond);

    public static async Task<Result> RunAsync(HttpBridgeProcess bridge, int clients, int callsPerClient)
    {
        var connected = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => bridge.ConnectAsync()));
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        int failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(connected.Select(async client =>
        {
            for (int i = 0; i < callsPerClient; i++)
            {
                var (tool, args) = (i % 50) switch
                {
                    7 => ("Trace-BpfSyscallError", new Dictionary<string, object?> { ["Duration"] = 0.05, ["First"] = 5 }),
                    var n when n % 2 == 0 => ("Get-BpfHook", new Dictionary<string, object?>()),
                    _ => ("Get-BpfKernelInfo", new Dictionary<string, object?>()),
                };
                var sw = Stopwatch.StartNew();
                var result = await client.CallToolAsync(tool, args);
                latencies.Add(sw.Elapsed.TotalMilliseconds);
                if (result.IsError == true)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        double seconds = clock.Elapsed.TotalSeconds;
        foreach (var client in connected)
        {
            await client.DisposeAsync();
        }
        var all = latencies.ToList();
        return new Result(Stats.Percentile(all, 50), Stats.Percentile(all, 99), failed, all.Count / seconds);
    }
}

/// <summary>
/// Steady calls for a bounded time (default 10 minutes), sampling the bridge's RSS, fd and thread
/// counts every 5 s into a CSV, then judging flatness: the last minute against the first.
/// </summary>
public static class Soak
{
    public static async Task<int> RunAsync(BenchEnvironment env, double minutes)
    {
        var csv = Path.Combine(env.Repo, "out", "bench", $"soak-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(csv)!);
        await using var bridge = await BridgeProbe.StartHttpAsync(env.Bridge, "--max-traces", "8");
        await using var client = await bridge.ConnectAsync();
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
                    var status = File.ReadAllLines($"/proc/{pid}/status");
                    double rss = double.Parse(status.First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
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
        // Flat: after warm-up (first minute), the last minute's RSS within 15% and fds within 10 of the second minute's.
        var warm = samples.Where(s => s.T >= 60 && s.T < 120).ToList();
        var last = samples.Where(s => s.T >= samples[^1].T - 60).ToList();
        if (warm.Count == 0)
        {
            warm = samples.Take(Math.Max(1, samples.Count / 4)).ToList();
        }
        double rssGrowth = last.Average(s => s.RssMb) / warm.Average(s => s.RssMb);
        double fdGrowth = last.Average(s => s.Fds) - warm.Average(s => s.Fds);
        Console.WriteLine($"soak: {calls} calls in {clock.Elapsed.TotalMinutes:F1} min; samples in {csv}");
        Console.WriteLine($"soak: RSS {warm.Average(s => s.RssMb):F1} → {last.Average(s => s.RssMb):F1} MB ({rssGrowth:F2}×, tolerance 1.15×), fds {warm.Average(s => s.Fds):F0} → {last.Average(s => s.Fds):F0} (tolerance +10)");
        bool flat = rssGrowth <= 1.15 && fdGrowth <= 10;
        Console.WriteLine(flat ? "soak: PASS (flat)" : "soak: MISS (grew)");
        return flat ? 0 : 1;
    }
}
