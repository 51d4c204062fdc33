using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;

namespace EbpfMcp.Tests;

/// <summary>The test execs a uniquely named program and finds exactly that exec, with its fields.</summary>
public sealed class TraceBpfExecTests
{
    [Fact]
    public async Task ReportsTheExecWithParentFilenameAndArguments()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("fail_syscalls.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfExec -Duration 3 -ProcessName $n", new Dictionary<string, object?> { ["n"] = helper.Name }, "exec_event", before);
        var (pid, _) = helper.Run("0", "0", "/some/arg with space");
        var result = await trace;

        Assert.Null(result.Terminating);
        var e = (BpfExecEvent)Assert.Single(result.Output).BaseObject;
        Assert.Equal(pid, e.ProcessId);
        Assert.Equal(Environment.ProcessId, e.ParentProcessId);
        Assert.Equal(helper.Name, e.ProcessName);
        Assert.Equal(helper.Path, e.Filename);
        Assert.Equal([helper.Path, "0", "0", "/some/arg with space"], e.Arguments);
        Assert.False(e.ArgumentsTruncated);
        Assert.Equal(0u, e.UserId);
        Assert.InRange(e.Timestamp, DateTimeOffset.Now.AddSeconds(-10), DateTimeOffset.Now);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task AFailedExecIsReportedWithItsErrno()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("exec_missing.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var missing = $"/nonexistent/ebpf-mcp-{Guid.NewGuid():N}";
        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfExec -Duration 3 -ProcessName $n", new Dictionary<string, object?> { ["n"] = helper.Name }, "exec_event", before);
        var (pid, _) = helper.Run(missing);
        var events = (await trace).Output.Select(o => (BpfExecEvent)o.BaseObject).ToList();

        // The helper's own successful exec, then its failed one.
        Assert.Equal(2, events.Count);
        Assert.Equal((0, helper.Path), (events[0].ReturnCode, events[0].Filename));
        var failed = events[1];
        Assert.Equal(pid, failed.ProcessId);
        Assert.Equal(missing, failed.Filename);
        Assert.Equal(-2, failed.ReturnCode);
        Assert.Equal("ENOENT", failed.Errno);
        Assert.Empty(failed.Arguments);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task FirstStopsEarlyAndAnExceptionDownstreamStillDetaches()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("fail_syscalls.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfExec -Duration 20 -First 1 -ProcessName $n", new Dictionary<string, object?> { ["n"] = helper.Name }, "exec_event", before);
        helper.Run();
        Assert.Single((await trace).Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "-First 1 ended the trace early");
        KernelPrograms.AssertReturnsTo(before);

        // An exception thrown mid-trace by the next pipeline stage ends the cmdlet: it must still detach.
        var failing = await TraceRunner.StartAsync(ps, "Trace-BpfExec -Duration 20 -ProcessName $n | ForEach-Object { throw 'downstream failure' }", new Dictionary<string, object?> { ["n"] = helper.Name }, "exec_event", before);
        helper.Run();
        var failed = await failing;
        Assert.Contains("downstream failure", failed.Terminating?.Message ?? string.Join(";", failed.Errors));
        KernelPrograms.AssertReturnsTo(before);
    }
}
