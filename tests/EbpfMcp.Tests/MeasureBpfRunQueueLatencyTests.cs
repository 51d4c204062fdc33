using System.Diagnostics;
using System.Management.Automation;
using EbpfMcp.Kernel.Histograms;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;

namespace EbpfMcp.Tests;

/// <summary>
/// Processes that work 2 ms and sleep 1 ms, alone and then three per CPU: with contention they wait
/// for a CPU after each wakeup and each preemption, and the tracer must see those waits grow.
/// </summary>
public sealed class MeasureBpfRunQueueLatencyTests
{
    private static readonly string[] DutyCycle = ["1.5", "2", "1"]; // 1.5 s of 2 ms busy, 1 ms asleep

    [Fact]
    public async Task ContentionForTheCpusRaisesTheP99AboveTheIdleRun()
    {
        KernelPrerequisites.Require();
        using var worker = new NativeHelper("spin.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        var idle = await Measure(ps, worker, 1, before);
        var contended = await Measure(ps, worker, 3 * Environment.ProcessorCount, before);

        Assert.True(idle.Count > 100, $"idle: {idle.Count} waits counted");
        Assert.True(contended.Count > 100, $"contended: {contended.Count} waits counted");
        Assert.True(contended.P99 > idle.P99, $"P99 with contention {contended.P99} is not above the idle run's {idle.P99}");
        // Three runnable workers per CPU wait for others' slices: milliseconds, not microseconds.
        Assert.True(contended.P99 >= TimeSpan.FromMilliseconds(1), $"contended P99 {contended.P99}");
        Assert.Equal(("run queue latency", "usecs", "", (int?)null), (contended.Name, contended.Unit, contended.Key, contended.ProcessId));
        Assert.Equal(contended.Count, contended.Buckets.Aggregate(0UL, (sum, b) => sum + b.Count));
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task PerProcessHistogramsNameTheirProcessAndTheFilterIsOnTheProcessThatWaits()
    {
        KernelPrerequisites.Require();
        using var first = new NativeHelper("spin.c");
        using var second = new NativeHelper("spin.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        var trace = await TraceRunner.StartAsync(ps, "Measure-BpfRunQueueLatency -PerProcess -Duration 3", new Dictionary<string, object?>(), "runq_", before);
        var pids = Run([(first, 2), (second, 1)]);
        var all = (await trace).Output.Select(o => (BpfHistogram)o.BaseObject).ToList();
        foreach (var (helper, pid) in pids)
        {
            var h = Assert.Single(all, h => h.ProcessId == pid);
            Assert.Equal($"{helper.Name} ({pid})", h.Key);
            Assert.True(h.Count > 100, $"{h.Key}: {h.Count}");
        }
        Assert.Equal(all.OrderByDescending(h => h.Total).Select(h => h.Key), all.Select(h => h.Key)); // most waiting first

        // Filtered by the waiting process's name: only the first helper's processes, whoever woke them.
        trace = await TraceRunner.StartAsync(ps, "Measure-BpfRunQueueLatency -PerProcess -Duration 3 -ProcessName $n", new Dictionary<string, object?> { ["n"] = first.Name }, "runq_", before);
        pids = Run([(first, 2), (second, 1)]);
        var filtered = (await trace).Output.Select(o => (BpfHistogram)o.BaseObject).ToList();
        Assert.Equal(pids.Where(p => p.Helper == first).Select(p => p.Pid).Order(), filtered.Select(h => h.ProcessId!.Value).Order());
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void EveryDeclaredHookCountsTheWorkersWaits()
    {
        KernelPrerequisites.Require();
        using var worker = new NativeHelper("spin.c");
        var before = KernelPrograms.Ids();
        var config = new MeasureBpfRunQueueLatencyCommand.RunQueueConfig { process = ProcessFilterRecord.From(null, null, worker.Name), per_process = 1 };
        var hooks = TracerHooks.Of<MeasureBpfRunQueueLatencyCommand>();
        Assert.Equal(["tp_btf", "raw_tp"], hooks.Select(h => h.Hook.Split(':')[0]));
        foreach (var hook in hooks)
        {
            using (var kernel = TracerHooks.Start<MeasureBpfRunQueueLatencyCommand>(hook, TracerHooks.Bytes(config)))
            {
                var pids = Run([(worker, 2)]).Select(p => (uint)p.Pid).Order();
                var entries = HistogramMap.Read(kernel, "latency");
                Assert.Equal(pids, entries.Select(e => e.KeyUInt32).Order());
                Assert.All(entries, e => Assert.True(e.Histogram.Count > 100, $"{hook.Hook}: {e.Histogram.Count} waits"));
            }
            KernelPrograms.AssertReturnsTo(before);
        }
    }

    [Fact]
    public async Task StoppingThePipelineDetachesAtOnce()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession(onCallingThread: false);
        var before = KernelPrograms.Ids();
        var clock = Stopwatch.StartNew();
        var trace = await TraceRunner.StartAsync(ps, "Measure-BpfRunQueueLatency -PerProcess -Duration 60", new Dictionary<string, object?>(), "runq_", before);
        ps.Stop();
        await trace;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"stop took {clock.Elapsed}");
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void WithoutCapabilitiesTheMeasureFailsWithAStructuredErrorAndLeavesNothing()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        var error = ThreadWithoutCapabilities.Run(() =>
        {
            using var ps = new PowerShellSession();
            return ps.Fails("Measure-BpfRunQueueLatency -Duration 1");
        });
        Assert.Equal("PermissionDenied,EbpfMcp.Tracers.MeasureBpfRunQueueLatencyCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        KernelPrograms.AssertReturnsTo(before);
    }

    private static async Task<BpfHistogram> Measure(PowerShellSession ps, NativeHelper worker, int processes, HashSet<uint> before)
    {
        var trace = await TraceRunner.StartAsync(ps, "Measure-BpfRunQueueLatency -Duration 3 -ProcessName $n", new Dictionary<string, object?> { ["n"] = worker.Name }, "runq_", before);
        Run([(worker, processes)]);
        return (BpfHistogram)Assert.Single((await trace).Output).BaseObject;
    }

    /// <summary>Starts the helpers' processes all at once and waits for them.</summary>
    private static List<(NativeHelper Helper, int Pid)> Run((NativeHelper Helper, int Count)[] workers)
    {
        var started = workers.SelectMany(w => Enumerable.Range(0, w.Count).Select(_ => (w.Helper, Process: Process.Start(w.Helper.Path, DutyCycle)))).ToList();
        foreach (var (_, process) in started)
        {
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
        }
        var pids = started.Select(s => (s.Helper, s.Process.Id)).ToList();
        started.ForEach(s => s.Process.Dispose());
        return pids;
    }
}
