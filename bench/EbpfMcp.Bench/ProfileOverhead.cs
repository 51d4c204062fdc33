using System.Diagnostics;
using EbpfMcp.Kernel.Profiling;
using EbpfMcp.Kernel.Symbols;

// The benchmarks load BPF programs: Linux only, like the module they measure.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace EbpfMcp.Bench;

/// <summary>
/// What the CPU profiler costs the program it profiles: a CPU-bound loop's rate untraced and while
/// every CPU is sampled at 49 Hz and at 999 Hz, measured in alternating rounds of one run (the
/// machine is shared and noisy; medians of the rounds are compared). And what reading symbol
/// tables costs, cold (ELFSharp) against the build-id note read that keys the cache.
/// </summary>
public static class ProfileOverhead
{
    public static void Measure(BenchEnvironment env, ResultTable table)
    {
        var spin = Path.Combine(Path.GetTempPath(), "ebpfbenchspin");
        Run.Process("clang-14", "-O2", "-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer", "-o", spin, Path.Combine(env.Repo, "bench", "native", "cpu_spin.c"));
        double Rate() => double.Parse(Run.Process(spin, "1").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

        // Each round brackets the two profiled runs with untraced ones and compares with their
        // mean, so a change in the machine's background load during the run cancels out.
        var untraced = new List<double>();
        var ratio49 = new List<double>();
        var ratio999 = new List<double>();
        long samples49 = 0, samples999 = 0;
        const int rounds = 7;
        for (int round = 0; round < rounds; round++)
        {
            double before = Rate();
            double at49 = Profiled(49, Rate, out var s49);
            double at999 = Profiled(999, Rate, out var s999);
            double after = Rate();
            untraced.Add((before + after) / 2);
            ratio49.Add(at49 / untraced[^1]);
            ratio999.Add(at999 / untraced[^1]);
            samples49 += s49;
            samples999 += s999;
        }
        double baseline = Stats.Median(untraced) / 1e3, r49 = Stats.Median(ratio49), r999 = Stats.Median(ratio999);
        table.Add("cpu_spin loop, untraced", baseline, "k units/s");
        table.Add("cpu_spin loop, CPU profile 49 Hz (all CPUs)", r49 * baseline, "k units/s", baseline, "untraced (median of round ratios)", "≥ 0.97× untraced", r49 >= 0.97);
        table.Add("cpu_spin loop, CPU profile 999 Hz (all CPUs)", r999 * baseline, "k units/s", baseline, "untraced (median of round ratios)", "≥ 0.90× untraced", r999 >= 0.90);
        table.Add("  samples per 1 s profiled run, 49 Hz", samples49 / (double)rounds, "samples");
        table.Add("  samples per 1 s profiled run, 999 Hz", samples999 / (double)rounds, "samples");

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

    /// <summary>The workload's rate while a CPU profile of every CPU runs at the given frequency.</summary>
    private static double Profiled(int frequency, Func<double> rate, out long samples)
    {
        using var stop = new CancellationTokenSource();
        var profile = Task.Run(() => CpuProfiler.Run(new ProfileRequest { Duration = TimeSpan.FromSeconds(60), Frequency = frequency, Space = StackSpace.Both }, stop.Token));
        WaitForProgram("cpu_sample");
        double result = rate();
        stop.Cancel();
        samples = (long)profile.Result.TotalCount;
        return result;
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
