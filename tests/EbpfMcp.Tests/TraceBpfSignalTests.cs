using System.Diagnostics;
using System.Management.Automation;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;

namespace EbpfMcp.Tests;

/// <summary>
/// Two helpers with names of their own: a sender sends SIGUSR1 five times to a target that counts
/// them; each signal is one event naming both. The target's exit then sends SIGCHLD to this process.
/// </summary>
public sealed class TraceBpfSignalTests
{
    private const int Sends = 5;

    [Fact]
    public async Task FiveSignalsAreFiveEventsWithSenderAndTarget()
    {
        KernelPrerequisites.Require();
        using var sender = new NativeHelper("signal_peer.c");
        using var target = new NativeHelper("signal_peer.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        // Filtered on the target's name: the filter matches either end of a signal.
        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfSignal -Duration 3 -ProcessName $n", new Dictionary<string, object?> { ["n"] = target.Name }, "signal_", before);
        var (senderPid, targetPid) = Exchange(sender, target);
        var events = (await trace).Output.Select(o => (BpfSignalEvent)o.BaseObject).ToList();

        var usr1 = events.Where(e => e.Signal == "SIGUSR1").ToList();
        Assert.Equal(Sends, usr1.Count);
        Assert.All(usr1, e =>
        {
            Assert.Equal((sender.Name, senderPid, Environment.ProcessId), (e.ProcessName, e.ProcessId, e.ParentProcessId));
            Assert.Equal((target.Name, targetPid, targetPid, 0u), (e.TargetProcessName, e.TargetProcessId, e.TargetThreadId, e.TargetUserId));
            Assert.Equal((10, "SI_USER", "Delivered", true), (e.SignalNumber, e.Code, e.Result, e.ToProcess));
        });
        // The kernel's own signal: the target's exit tells its parent, this process.
        var child = Assert.Single(events, e => e.Signal == "SIGCHLD");
        Assert.Equal((targetPid, target.Name, Environment.ProcessId, "CLD_EXITED"), (child.ProcessId, child.ProcessName, child.TargetProcessId, child.Code));
        Assert.Equal(Sends + 1, events.Count);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task SignalFilterAndGroupingCountOnlyTheAskedSignals()
    {
        KernelPrerequisites.Require();
        using var sender = new NativeHelper("signal_peer.c");
        using var target = new NativeHelper("signal_peer.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfSignal -Duration 3 -ProcessName $n -Signal usr1, 12 -GroupBy Signal, TargetProcessName", new Dictionary<string, object?> { ["n"] = sender.Name }, "signal_", before);
        Exchange(sender, target);
        var group = (BpfEventGroup)Assert.Single((await trace).Output).BaseObject; // no SIGCHLD
        Assert.Equal(Sends, group.Count);
        Assert.Equal(("SIGUSR1", target.Name), ((string)group.Group["Signal"]!, (string)group.Group["TargetProcessName"]!));
        KernelPrograms.AssertReturnsTo(before);

        var error = ps.Fails("Trace-BpfSignal -Duration 1 -Signal SIGNOPE");
        Assert.Equal("UnknownSignal,EbpfMcp.Tracers.TraceBpfSignalCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void EveryDeclaredHookSeesTheSignalsAndTheirTarget()
    {
        KernelPrerequisites.Require();
        using var sender = new NativeHelper("signal_peer.c");
        using var target = new NativeHelper("signal_peer.c");
        var before = KernelPrograms.Ids();
        var config = new TraceBpfSignalCommand.SignalConfig { process = ProcessFilterRecord.From(null, null, sender.Name), signals = 1UL << 9 };
        var hooks = TracerHooks.Of<TraceBpfSignalCommand>();
        Assert.Equal(["tp_btf", "raw_tp"], hooks.Select(h => h.Hook.Split(':')[0]));
        foreach (var hook in hooks)
        {
            using (var kernel = TracerHooks.Start<TraceBpfSignalCommand>(hook, TracerHooks.Bytes(config)))
            {
                var (senderPid, targetPid) = Exchange(sender, target);
                var records = TracerHooks.Drain<TraceBpfSignalCommand.SignalEvent>(kernel);
                Assert.Equal(Sends, records.Count);
                Assert.All(records, r => Assert.Equal((10, (uint)senderPid, (uint)targetPid), (r.signal, r.ctx.pid, r.target_pid)));
            }
            KernelPrograms.AssertReturnsTo(before);
        }
    }

    /// <summary>Starts the target, waits until its handler is in place, lets the sender send, and waits for both.</summary>
    private static (int Sender, int Target) Exchange(NativeHelper sender, NativeHelper target)
    {
        using var t = Process.Start(new ProcessStartInfo(target.Path, ["target", Sends.ToString()]) { RedirectStandardOutput = true })!;
        Assert.Equal("ready", t.StandardOutput.ReadLine());
        var (senderPid, exit) = sender.Run("send", t.Id.ToString(), Sends.ToString());
        Assert.Equal(0, exit);
        Assert.True(t.WaitForExit(10_000), "the target did not get its signals");
        Assert.Equal(0, t.ExitCode);
        return (senderPid, t.Id);
    }
}
