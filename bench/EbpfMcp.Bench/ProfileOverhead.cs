using System.Diagnostics;
using EbpfMcp.Kernel.Profiling;
using EbpfMcp.Kernel.Symbols;

// The benchmarks load BPF programs: Linux only, like the module they measure.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace EbpfMcp.Bench;

/// <summary>
/// What the CPU profiler costs the program it profiles: a CPU-bound loop's rate untraced and while
/// it is profiled (every CPU sampled, the loop's pid filtered in the kernel) at 49 Hz and 999 Hz,
/// measured in alternating rounds of one run (the machine is shared and noisy; the median of the
/// rounds' ratios is compared). And what reading symbol
/// tables costs, cold (ELFSharp) against the build-id note read that keys the cache.
/// </summary>
public static class ProfileOverhead
{
    public static void Measure(BenchEnvironment env, ResultTable table)
    {
        var spin = Path.Combine(Path.GetTempPath(), "ebpfbenchspin");
        Run.Process("clang-14", "-O2", "-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer", "-o", spin, Path.Combine(env.Repo, "bench", "native", "cpu_spin.c"));
        // One measured run: the profiler (if any) is attached to the loop's pid before it starts.
        (double Wall, double Cpu) Rate(int frequency, List<double>? runTimes = null, List<long>? sampleCounts = null)
        {
            var psi = new ProcessStartInfo(spin, "1") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            using var loop = Process.Start(psi)!;
            using var stop = new CancellationTokenSource();
            Task<StackProfile>? profile = null;
            if (frequency > 0)
            {
                profile = Task.Run(() => CpuProfiler.Run(new ProfileRequest { Duration = TimeSpan.FromSeconds(60), Frequency = frequency, ProcessIds = [loop.Id] }, stop.Token));
                WaitForProgram("cpu_sample");
            }
            loop.StandardInput.WriteLine("go");
            loop.StandardInput.Flush();
            var output = loop.StandardOutput.ReadToEnd();
            loop.WaitForExit();
            if (profile is not null)
            {
                runTimes?.Add(ProgramRunTime("cpu_sample"));
                stop.Cancel();
                sampleCounts?.Add((long)profile.Result.TotalCount);
            }
            var rates = output.Split(' ');
            return (double.Parse(rates[0], System.Globalization.CultureInfo.InvariantCulture), double.Parse(rates[1], System.Globalization.CultureInfo.InvariantCulture));
        }

        // The program's own run time per sample (kernel.bpf_stats_enabled): independent of the
        // machine's background load, unlike the rates.
        var statsFile = "/proc/sys/kernel/bpf_stats_enabled";
        var statsBefore = File.ReadAllText(statsFile).Trim();
        File.WriteAllText(statsFile, "1");
        var perSample = new List<double>();

        // Rates per second of the loop's own CPU time decide (other load on the machine only
        // shortens its share of the CPU, not its speed while it runs); wall-clock rates are shown too.
        var untraced = new List<(double Wall, double Cpu)>();
        var ratios = new Dictionary<(int Frequency, bool Cpu), List<double>> { [(49, true)] = [], [(49, false)] = [], [(999, true)] = [], [(999, false)] = [] };
        const int rounds = 11;
        var samples49 = new List<long>();
        var samples999 = new List<long>();
        for (int round = 0; round < rounds; round++)
        {
            var before = Rate(0);
            var at49 = Rate(49, null, samples49);
            var at999 = Rate(999, perSample, samples999);
            var after = Rate(0);
            var baseline = ((before.Wall + after.Wall) / 2, (before.Cpu + after.Cpu) / 2);
            untraced.Add(baseline);
            ratios[(49, false)].Add(at49.Wall / baseline.Item1);
            ratios[(49, true)].Add(at49.Cpu / baseline.Item2);
            ratios[(999, false)].Add(at999.Wall / baseline.Item1);
            ratios[(999, true)].Add(at999.Cpu / baseline.Item2);
        }
        File.WriteAllText(statsFile, statsBefore);
        double cpuBase = Stats.Median(untraced.Select(u => u.Cpu).ToList()) / 1e3, wallBase = Stats.Median(untraced.Select(u => u.Wall).ToList()) / 1e3;
        table.Add("cpu_spin loop, untraced, per CPU second", cpuBase, "k units/s");
        foreach (var (frequency, target) in new[] { (49, 0.97), (999, 0.90) })
        {
            double cpu = Stats.Median(ratios[(frequency, true)]), wall = Stats.Median(ratios[(frequency, false)]);
            table.Add($"cpu_spin loop, profiled at {frequency} Hz, per CPU second", cpu * cpuBase, "k units/s", cpuBase, "untraced (median of round ratios)", $"≥ {target:F2}× untraced", cpu >= target);
            table.Add($"  same, per wall second (shared machine: noisy)", wall * wallBase, "k units/s", wallBase, "untraced (median of round ratios)");
        }
        table.Add("  its samples per 1 s run, 49 Hz", Stats.Median(samples49.Select(x => (double)x).ToList()), "samples");
        table.Add("  its samples per 1 s run, 999 Hz", Stats.Median(samples999.Select(x => (double)x).ToList()), "samples");
        double ns = Stats.Median(perSample);
        table.Add("  BPF program run time per sample (bpf_stats)", ns / 1e3, "µs", target: "≤ 1% of a CPU at 999 Hz (≤ 10 µs)", pass: ns <= 10_000);

        // What a caller waits for after the sampling: reading the maps, unloading, symbolizing
        // every process on the machine (first profile of the process: symbol tables cold).
        for (int i = 0; i < 2; i++)
        {
            var wall = Stopwatch.StartNew();
            var whole = CpuProfiler.Run(new ProfileRequest { Duration = TimeSpan.FromSeconds(2), Frequency = 99 });
            var after = wall.Elapsed - whole.Elapsed;
            table.Add($"system-wide 2 s profile, {whole.Stacks.Count} stacks: load+read+symbolize ({(i == 0 ? "cold" : "warm")})", after.TotalMilliseconds, "ms");
        }

        // Symbol tables: node's 150,000 symbols through ELFSharp, against the build-id read.
        var node = new[] { "/usr/bin/node", "/usr/local/bin/node" }.FirstOrDefault(File.Exists);
        if (node is not null)
        {
            var loads = new List<double>();
            for (int i = 0; i < 3; i++)
            {
                using var file = File.OpenRead(node);
                var sw = Stopwatch.StartNew();
                var symbols = ElfSymbols.Load(file);
                loads.Add(sw.Elapsed.TotalMilliseconds);
                GC.KeepAlive(symbols);
            }
            var ids = new List<double>();
            using (var file = File.OpenRead(node))
            {
                for (int i = 0; i < 200; i++)
                {
                    var sw = Stopwatch.StartNew();
                    ElfBuildId.Read(file.SafeFileHandle);
                    ids.Add(sw.Elapsed.TotalMilliseconds);
                }
            }
            table.Add("node symbol tables, ELFSharp (cold, uncached)", Stats.Median(loads), "ms");
            table.Add("node build id (the symbol cache's key)", Stats.Median(ids), "ms", Stats.Median(loads), "ELFSharp full read");
        }
    }

    /// <summary>Mean run time of a loaded program per run, in ns (kernel.bpf_stats_enabled must be 1).</summary>
    private static double ProgramRunTime(string name)
    {
        using var show = System.Text.Json.JsonDocument.Parse(Run.Process("bpftool", "-j", "prog", "show", "name", name));
        var program = show.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array ? show.RootElement[0] : show.RootElement;
        return program.TryGetProperty("run_cnt", out var runs) && runs.GetDouble() > 0 ? program.GetProperty("run_time_ns").GetDouble() / runs.GetDouble() : 0;
    }

    private static void WaitForProgram(string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!Run.Process("bpftool", "prog", "show").Contains("name " + name, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"program {name} never attached");
            Thread.Sleep(20);
        }
        Thread.Sleep(100);
    }
}
