// ebpf-mcp benchmarks. Every figure is compared with a baseline measured in the same run, on the
// same machine, and each is the median of several repetitions (the machine is noisy).
using System.Diagnostics;
using EbpfMcp.Bench;

if (Environment.UserName != "root")
{
    Console.Error.WriteLine("bench: run as root (sudo ./bench/run): it loads BPF programs.");
    return 1;
}
using var env = BenchEnvironment.Prepare();
var table = new ResultTable();
if (args.Length > 0 && args[0] == "--soak")
{
    return await Soak.RunAsync(env, args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30);
}
if (args.Length > 0 && args[0] is "--load" or "--floors")
{
    // --load: the bridge against the SDK floor server (target 5). --floors: what that bar means on
    // this machine, the floor against itself with an awaiting and a handing-off handler (the bridge
    // only supplies the answers the floors give).
    await using (var http = await BridgeProbe.StartHttpAsync(env.Bridge, "--max-traces", "64"))
    {
        await (args[0] == "--load"
            ? Section("load against the SDK floor", () => FloorComparison.MeasureAsync(env, http, table, clients: 32, callsPerClient: 200))
            : Section("the floor against itself", () => FloorComparison.CalibrateAsync(env, http, table, clients: 32, callsPerClient: 200)));
    }
    table.Print();
    return table.Failed ? 1 : 0;
}
if (args.Length > 0 && args[0] == "--stream")
{
    await Section("event stream", () => EventStreamBench.MeasureAsync(env, table)); // a million events, alone
    table.Print();
    return table.Failed ? 1 : 0;
}
if (args.Length > 0 && args[0] == "--profile")
{
    ProfileOverhead.Measure(env, table); // the profiler's figures only
    table.Print();
    return 0;
}

// 1. Bridge cold start to the first tools/list answer over stdio, against bpftrace starting and
//    exiting; idle memory before PowerShell starts (the first tool call starts it) and after.
var starts = new List<BridgeProbe.ColdStart>();
for (int i = 0; i < 5; i++)
{
    starts.Add(await BridgeProbe.ColdStartAsync(env.Bridge));
}
double cold = Stats.Median(starts.Select(s => s.ToolsListMs).ToList());
if (env.Bpftrace is not null)
{
    var bt = new List<double>();
    for (int i = 0; i < 5; i++)
    {
        var sw = Stopwatch.StartNew();
        Run.Process(env.Bpftrace, "-e", "BEGIN { exit(); }");
        bt.Add(sw.Elapsed.TotalMilliseconds);
    }
    double bpftrace = Stats.Median(bt);
    table.Add("bridge cold start → first tools/list (stdio)", cold, "ms", bpftrace, "bpftrace start and exit", "≤ 2× bpftrace (ratio ≥ 0.5×)", cold <= 2 * bpftrace);
}
else
{
    table.Add("bridge cold start → first tools/list (stdio)", cold, "ms", target: "bpftrace not installed: no baseline");
}
double idleRss = Stats.Median(starts.Select(s => s.IdleRssMb).ToList());
table.Add("bridge idle RSS (before the first tool call)", idleRss, "MB", target: "≤ 90 MB", pass: idleRss <= 90);
table.Add("  first tool call (starts PowerShell)", Stats.Median(starts.Select(s => s.FirstCallMs).ToList()), "ms");
table.Add("  idle RSS after a tool call (PowerShell up)", Stats.Median(starts.Select(s => s.UsedRssMb).ToList()), "MB");

// 2. Warm tools/call over HTTP against spawning bpftool to list the same programs.
await using (var http = await BridgeProbe.StartHttpAsync(env.Bridge, "--max-traces", "64"))
{
    await using var client = await http.ConnectAsync();
    async Task<List<double>> HookCalls()
    {
        for (int i = 0; i < 20; i++)
        {
            await client.CallToolAsync("Get-BpfHook", new Dictionary<string, object?>());
        }
        var calls = new List<double>();
        for (int i = 0; i < 200; i++)
        {
            var sw = Stopwatch.StartNew();
            await client.CallToolAsync("Get-BpfHook", new Dictionary<string, object?>());
            calls.Add(sw.Elapsed.TotalMilliseconds);
        }
        return calls;
    }
    static double SpawnMedian(params string[] bpftool)
    {
        var spawns = new List<double>();
        for (int i = 0; i < 30; i++)
        {
            var sw = Stopwatch.StartNew();
            Run.Process("bpftool", bpftool);
            spawns.Add(sw.Elapsed.TotalMilliseconds);
        }
        return Stats.Median(spawns);
    }
    var calls = await HookCalls();
    double p50 = Stats.Percentile(calls, 50), spawn = SpawnMedian("-j", "prog", "show");
    table.Add("warm tools/call Get-BpfHook p50 (HTTP)", p50, "ms", spawn, "bpftool -j prog show spawn", "p50 ≤ spawn", p50 <= spawn);
    table.Add("warm tools/call Get-BpfHook p99 (HTTP)", Stats.Percentile(calls, 99), "ms");
    // The same while a program hangs on a perf event fd alone (bpftrace attaches tracepoints so):
    // Get-BpfHook then asks every fd of every process, as `bpftool perf` does.
    if (env.Bpftrace is not null)
    {
        using var linkless = Run.Background(env.Bpftrace, "-e", "tracepoint:syscalls:sys_enter_getpgid { @ = count(); }");
        var deadline = Stopwatch.StartNew();
        while (!Run.Process("bpftool", "-j", "perf", "show").Contains("sys_enter_getpgid") && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(200);
        }
        double withPerf = Stats.Percentile(await HookCalls(), 50), perfSpawn = SpawnMedian("-j", "perf", "show");
        table.Add("warm Get-BpfHook p50 (HTTP), a program on a perf event fd", withPerf, "ms", perfSpawn, "bpftool -j perf show spawn");
    }
    // Where the time goes: the same cmdlet in a warm in-process runspace, without MCP or HTTP.
    using (var local = new InProcessPowerShell(env.ModuleManifest))
    {
        var direct = new List<double>();
        for (int i = 0; i < 220; i++)
        {
            var sw = Stopwatch.StartNew();
            local.Invoke("$null = Get-BpfHook");
            if (i >= 20) direct.Add(sw.Elapsed.TotalMilliseconds);
        }
        table.Add("  of which: Get-BpfHook in a warm runspace p50", Stats.Percentile(direct, 50), "ms");
    }

    // Load: 32 concurrent clients × 200 read calls, against the SDK floor server, alternately.
    await Section("load against the SDK floor", () => FloorComparison.MeasureAsync(env, http, table, clients: 32, callsPerClient: 200));

    // 3. A 0.1 s syscall-error trace through the warm bridge, against bpftrace doing the same.
    var traces = new List<double>();
    for (int i = 0; i < 10; i++)
    {
        var sw = Stopwatch.StartNew();
        var r = await client.CallToolAsync("Trace-BpfSyscallError", new Dictionary<string, object?> { ["Duration"] = 0.1 });
        if (r.IsError == true)
        {
            throw new InvalidOperationException("trace failed: " + r.Content.FirstOrDefault());
        }
        traces.Add(sw.Elapsed.TotalMilliseconds);
    }
    double trace = Stats.Median(traces);
    if (env.Bpftrace is not null)
    {
        var bt = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            Run.Process(env.Bpftrace, "-e", "tracepoint:raw_syscalls:sys_exit /args->ret < 0/ { @[comm, args->id, args->ret] = count(); } interval:ms:100 { exit(); }");
            bt.Add(sw.Elapsed.TotalMilliseconds);
        }
        double bpftrace = Stats.Median(bt);
        table.Add("Trace-BpfSyscallError -Duration 0.1 (warm bridge)", trace, "ms", bpftrace, "bpftrace same aggregation", "≥ 2.5× faster, ≤ 200 ms", bpftrace / trace >= 2.5 && trace <= 200);
    }
    else
    {
        table.Add("Trace-BpfSyscallError -Duration 0.1 (warm bridge)", trace, "ms", target: "≤ 200 ms (bpftrace not installed: no ratio)", pass: trace <= 200);
    }
}

// 4. Overhead on a failing-syscall loop: untraced, empty raw_tp program, bpftrace, our tracer.
using (var ps = new InProcessPowerShell(env.ModuleManifest))
{
    double Rate() => Stats.Median(Enumerable.Range(0, 3).Select(_ => double.Parse(Run.Process(env.CloseLoop, "1.5").Trim())).ToList());
    double untraced = Rate();
    table.Add("close(-1) loop, untraced", untraced / 1e6, "M/s");

    ps.Invoke("$script:empty = Install-BpfProgram -Path $p -Attach", ("p", env.EmptyProgram));
    double empty = Rate();
    ps.Invoke("$script:empty | Uninstall-BpfProgram");
    table.Add("close(-1) loop, empty raw_tp program", empty / 1e6, "M/s", untraced / 1e6, "untraced");

    double? bpftraceRate = null;
    if (env.Bpftrace is not null)
    {
        using var bt = Run.Background(env.Bpftrace, "-e", "tracepoint:raw_syscalls:sys_exit /args->ret < 0/ { @[comm, args->id, args->ret] = count(); }");
        bt.WaitForOutput("Attaching", TimeSpan.FromSeconds(20));
        bpftraceRate = Rate();
        table.Add("close(-1) loop, bpftrace aggregation", bpftraceRate.Value / 1e6, "M/s", untraced / 1e6, "untraced");
    }

    var trace = ps.StartAsync("Trace-BpfSyscallError -Duration 20");
    ps.WaitForProgram("syscall_errors");
    double ours = Rate();
    ps.Stop();
    await trace;
    table.Add("close(-1) loop, Trace-BpfSyscallError", ours / 1e6, "M/s", empty / 1e6, "empty raw_tp program", "≥ 0.65× empty", ours / empty >= 0.65);
    if (bpftraceRate is double b)
    {
        table.Add("close(-1) loop, Trace-BpfSyscallError vs bpftrace", ours / 1e6, "M/s", b / 1e6, "bpftrace aggregation", "≥ 1.25× bpftrace", ours / b >= 1.25);
    }

    // 4b. Timing every system call (per-syscall latency histograms), in CPU time per call, against bpftrace.
    await SyscallLatencyBench.RunAsync(env, ps, table);

    // 5. A million events from one process, streamed into a pipeline.
    await Section("event stream", () => EventStreamBench.MeasureAsync(env, table));
}

// 6. CPU profiler overhead on a CPU-bound loop, and symbol-table reading.
ProfileOverhead.Measure(env, table);

table.Print();
return table.Failed ? 1 : 0;

// A section that fails says so in the table, and the others still run.
async Task Section(string name, Func<Task> measure)
{
    try
    {
        await measure();
    }
    catch (Exception e)
    {
        table.Add($"{name}: FAILED", 0, "", target: e.Message, pass: false);
    }
}
