namespace EbpfMcp.Bench;

/// <summary>
/// The cost of timing every system call: a close(-1) loop while Measure-BpfSyscallLatency runs,
/// against the same loop untraced and while bpftrace keeps the same per-syscall histogram (entry
/// time per thread, log2 histogram of the time at exit), all in one run. The loop counts calls per
/// second of its own CPU time: tracing programs run in the caller's system time, and on a shared
/// machine a wall-clock rate mostly measures how often the loop was scheduled.
/// </summary>
public static class SyscallLatencyBench
{
    private const string BpftraceHistogram =
        "tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; } " +
        "tracepoint:raw_syscalls:sys_exit /@start[tid]/ { @latency[args->id] = hist(nsecs - @start[tid]); delete(@start[tid]); }";

    public static async Task RunAsync(BenchEnvironment env, InProcessPowerShell ps, ResultTable table)
    {
        var work = Directory.CreateTempSubdirectory("ebpf-mcp-bench-loop-").FullName;
        try
        {
            await MeasureAsync(env, ps, table, Path.Combine(work, "syscall_cpu_loop"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task MeasureAsync(BenchEnvironment env, InProcessPowerShell ps, ResultTable table, string loop)
    {
        Run.Process("cc", "-O2", "-static", "-o", loop, Path.Combine(env.Repo, "bench", "native", "syscall_cpu_loop.c"));
        double Rate() => Stats.Median(Enumerable.Range(0, 5).Select(_ => double.Parse(Run.Process(loop, "1").Trim())).ToList());

        double untraced = Rate();
        table.Add("syscall loop (calls per CPU-second), untraced", untraced / 1e6, "M/s");

        double? bpftrace = null;
        if (env.Bpftrace is not null)
        {
            using var bt = Run.Background(env.Bpftrace, "-e", BpftraceHistogram);
            bt.WaitForOutput("Attaching", TimeSpan.FromSeconds(20));
            bpftrace = Rate();
            table.Add("syscall loop, bpftrace latency histogram", bpftrace.Value / 1e6, "M/s", untraced / 1e6, "untraced");
        }

        var trace = ps.StartAsync("Measure-BpfSyscallLatency -Duration 60");
        ps.WaitForProgram("syslat_exit_btf");
        double ours = Rate();
        ps.Stop();
        await trace;
        table.Add("syscall loop, Measure-BpfSyscallLatency", ours / 1e6, "M/s", untraced / 1e6, "untraced");
        // The overhead is what tracing adds to each call; the rates also carry the untraced call's own cost.
        double ourCost = AddedNanoseconds(ours, untraced);
        if (bpftrace is double b)
        {
            table.Add("syscall loop, Measure-BpfSyscallLatency vs bpftrace", ours / 1e6, "M/s", b / 1e6, "bpftrace same histogram");
            double theirCost = AddedNanoseconds(b, untraced);
            table.Add("  added cost per call: Measure-BpfSyscallLatency", ourCost, "ns", theirCost, "bpftrace added cost", "< bpftrace's added cost", ourCost < theirCost);
        }
        else
        {
            table.Add("  added cost per call: Measure-BpfSyscallLatency", ourCost, "ns");
        }
    }

    /// <summary>What tracing adds to one call, from the rates with and without it.</summary>
    private static double AddedNanoseconds(double traced, double untraced) => (1 / traced - 1 / untraced) * 1e9;
}
