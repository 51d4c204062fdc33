using System.Diagnostics;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;

namespace EbpfMcp.Tests;

/// <summary>
/// One helper ends three ways: exit(42), SIGKILL from the test, and the OOM killer in a cgroup limited
/// to 32 MiB while it allocates. Each end is one event with its reason.
/// </summary>
public sealed class TraceBpfProcessExitTests
{
    [Fact]
    public async Task ExitSignalAndOomKillAreTheThreeReasons()
    {
        KernelPrerequisites.Require();
        using var cgroup = new MemoryLimitedCgroup(32 << 20);
        using var helper = new NativeHelper("exit_ways.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfProcessExit -Duration 5 -ProcessName $n", new Dictionary<string, object?> { ["n"] = helper.Name }, "pexit_", before);
        var exited = End(helper, "exit", "42");
        var killed = End(helper, "wait");
        var oom = End(helper, "allocate", cgroup: cgroup);
        var events = (await trace).Output.Select(o => (BpfProcessExitEvent)o.BaseObject).ToDictionary(e => e.ProcessId);

        Assert.Equal([exited.Pid, killed.Pid, oom.Pid], events.Keys.Order());
        var exit = events[exited.Pid];
        Assert.Equal(("Exit", (int?)42, (string?)null, (int?)null, false), (exit.Reason, exit.ExitCode, exit.Signal, exit.SignalNumber, exit.CoreDumped));
        Assert.Equal((helper.Name, Environment.ProcessId), (exit.ProcessName, exit.ParentProcessId));
        Assert.InRange(exit.Lifetime, TimeSpan.FromTicks(1), exited.Wall);

        var kill = events[killed.Pid];
        Assert.Equal(("Signal", (int?)null, "SIGKILL", (int?)9, false), (kill.Reason, kill.ExitCode, kill.Signal, kill.SignalNumber, kill.CoreDumped));
        Assert.InRange(kill.Lifetime, TimeSpan.FromMilliseconds(200), killed.Wall); // it was killed after 200 ms

        var oomKill = events[oom.Pid];
        Assert.Equal(("OomKilled", (int?)null, "SIGKILL"), (oomKill.Reason, oomKill.ExitCode, oomKill.Signal));
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task FailedOnlyLeavesOutCleanExitsAndGroupingCountsReasons()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("exit_ways.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfProcessExit -FailedOnly -Duration 3 -ProcessName $n -GroupBy Reason, ExitCode", new Dictionary<string, object?> { ["n"] = helper.Name }, "pexit_", before);
        End(helper, "exit", "0");
        End(helper, "exit", "3");
        End(helper, "exit", "3");
        End(helper, "exit", "0");
        var group = (BpfEventGroup)Assert.Single((await trace).Output).BaseObject;
        Assert.Equal((2L, "Exit", 3), (group.Count, (string)group.Group["Reason"]!, (int)group.Group["ExitCode"]!));
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void EveryDeclaredHookSeesExitsAndOomKills()
    {
        KernelPrerequisites.Require();
        using var cgroup = new MemoryLimitedCgroup(32 << 20);
        using var helper = new NativeHelper("exit_ways.c");
        var before = KernelPrograms.Ids();
        var config = new TraceBpfProcessExitCommand.ExitConfig { process = ProcessFilterRecord.From(null, null, helper.Name) };
        var hooks = TracerHooks.Of<TraceBpfProcessExitCommand>();
        Assert.Equal(["tp_btf", "tracepoint"], hooks.Select(h => h.Hook.Split(':')[0]));
        foreach (var hook in hooks)
        {
            using (var kernel = TracerHooks.Start<TraceBpfProcessExitCommand>(hook, TracerHooks.Bytes(config)))
            {
                var exited = End(helper, "exit", "7");
                var oom = End(helper, "allocate", cgroup: cgroup);
                var records = TracerHooks.Drain<TraceBpfProcessExitCommand.ExitEvent>(kernel).ToDictionary(r => (int)r.ctx.pid);
                Assert.Equal((7 << 8, 0u), (records[exited.Pid].exit_code, records[exited.Pid].oom_killed));
                Assert.Equal((9, 1u), (records[oom.Pid].exit_code, records[oom.Pid].oom_killed));
            }
            KernelPrograms.AssertReturnsTo(before);
        }
    }

    /// <summary>Runs the helper in one of its ways (in the cgroup, if given) and returns its pid and how long it ran.</summary>
    private static (int Pid, TimeSpan Wall) End(NativeHelper helper, string way, string? code = null, MemoryLimitedCgroup? cgroup = null)
    {
        var clock = Stopwatch.StartNew();
        var psi = new ProcessStartInfo(helper.Path) { RedirectStandardInput = true };
        psi.ArgumentList.Add(way);
        if (code is not null)
        {
            psi.ArgumentList.Add(code);
        }
        using var p = Process.Start(psi)!;
        cgroup?.Add(p.Id);
        p.StandardInput.WriteLine("go");
        p.StandardInput.Flush();
        if (way == "wait")
        {
            Thread.Sleep(200);
            p.Kill();
        }
        Assert.True(p.WaitForExit(30_000), $"{way} did not end");
        return (p.Id, clock.Elapsed);
    }

    /// <summary>
    /// A cgroup whose memory is limited (cgroup v2 memory.max where the memory controller is on the
    /// unified hierarchy, else v1's memory.limit_in_bytes); removed on dispose.
    /// </summary>
    private sealed class MemoryLimitedCgroup : IDisposable
    {
        private readonly string path;

        public MemoryLimitedCgroup(long bytes)
        {
            var mounts = File.ReadLines("/proc/self/mounts").Select(l => l.Split(' ')).ToList();
            var name = $"ebpf-mcp-oom-{Guid.NewGuid():N}";
            var unified = mounts.FirstOrDefault(f => f[2] == "cgroup2")?[1];
            var v1 = mounts.FirstOrDefault(f => f[2] == "cgroup" && f[3].Split(',').Contains("memory"))?[1];
            if (unified is not null && File.ReadAllText(Path.Combine(unified, "cgroup.controllers")).Split(' ', '\n').Contains("memory"))
            {
                // Child cgroups get the controller when the root hands it down (systemd always does).
                File.WriteAllText(Path.Combine(unified, "cgroup.subtree_control"), "+memory");
                path = Path.Combine(unified, name);
                Directory.CreateDirectory(path);
                File.WriteAllText(Path.Combine(path, "memory.max"), bytes.ToString());
                File.WriteAllText(Path.Combine(path, "memory.swap.max"), "0");
            }
            else if (v1 is not null)
            {
                path = Path.Combine(v1, name);
                Directory.CreateDirectory(path);
                File.WriteAllText(Path.Combine(path, "memory.limit_in_bytes"), bytes.ToString());
            }
            else
            {
                Assert.Skip("The kernel has no memory cgroup controller (neither on cgroup v2 nor v1): no OOM kill can be made.");
                path = "";
            }
        }

        public void Add(int pid) => File.WriteAllText(Path.Combine(path, "cgroup.procs"), pid.ToString());

        public void Dispose()
        {
            for (int i = 0; i < 50 && Directory.Exists(path); i++)
            {
                try
                {
                    Directory.Delete(path);
                }
                catch (IOException)
                {
                    Thread.Sleep(20); // its last process is still being reaped
                }
            }
        }
    }
}
