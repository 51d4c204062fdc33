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
        var loop = Path.Combine(Directory.CreateTempSubdirectory("ebpf-mcp-bench-loop-").FullName, "syscall_cpu_loop");
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
        double ourCost = AddedNanoseconds(ours, untraced);
        if (bpftrace is double b)
        {
            table.Add("syscall loop, Measure-BpfSyscallLatency vs bpftrace", ours / 1e6, "M/s", b / 1e6, "bpftrace same histogram", "≥ 1.25× bpftrace", ours / b >= 1.25);
            table.Add("  added cost per call: Measure-BpfSyscallLatency", ourCost, "ns", AddedNanoseconds(b, untraced), "bpftrace added cost");
        }
        else
        {
            table.Add("  added cost per call: Measure-BpfSyscallLatency", ourCost, "ns");
        }
    }

    /// <summary>What tracing adds to one call, from the rates with and without it.</summary>
    private static double AddedNanoseconds(double traced, double untraced) => (1 / traced - 1 / untraced) * 1e9;
}
