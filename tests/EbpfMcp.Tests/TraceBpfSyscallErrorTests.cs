using System.Management.Automation;
using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;

namespace EbpfMcp.Tests;

/// <summary>The test causes failing syscalls in a child with a unique name and counts them exactly.</summary>
public sealed class TraceBpfSyscallErrorTests
{
    [Fact]
    public async Task CountsExactlyTheFailuresTheChildMade()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("fail_syscalls.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();

        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfSyscallError -Duration 3 -ProcessName $n", new Dictionary<string, object?> { ["n"] = helper.Name }, "syscall_errors", before);
        var (pid, exit) = helper.Run("37", "23");
        Assert.Equal(0, exit);
        var result = await trace;

        Assert.Null(result.Terminating);
        Assert.Empty(result.Errors);
        var rows = result.Output.Select(o => (BpfSyscallError)o.BaseObject).ToList();
        Assert.Equal(2, rows.Count);
        var opens = rows[0];
        Assert.Equal(helper.Name, opens.ProcessName);
        Assert.Equal(pid, opens.ProcessId);
        Assert.Equal("openat", opens.Syscall);
        Assert.Equal(257, opens.SyscallNumber);
        Assert.Equal("ENOENT", opens.Errno);
        Assert.Equal(2, opens.ErrnoNumber);
        Assert.Equal(37UL, opens.Count);
        var closes = rows[1];
        Assert.Equal(("close", "EBADF", 23UL), (closes.Syscall, closes.Errno, closes.Count));
        // The fastest hook that works here: tp_btf on this kernel (probed by trying, see HookChoice).
        Assert.Equal("tp_btf:sys_exit", opens.Hook);

        KernelPrograms.AssertReturnsTo(before); // detached and unloaded
    }

    [Fact]
    public async Task KernelSideFiltersBySyscallErrnoAndPid()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("fail_syscalls.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfSyscallError -Duration 2 -Syscall close -Errno EBADF -ProcessName $n", new Dictionary<string, object?> { ["n"] = helper.Name }, "syscall_errors", before);
        helper.Run("5", "11");
        var rows = (await trace).Output.Select(o => (BpfSyscallError)o.BaseObject).ToList();
        var row = Assert.Single(rows);
        Assert.Equal(("close", "EBADF", 11UL), (row.Syscall, row.Errno, row.Count));
        KernelPrograms.AssertReturnsTo(before);

        // -ProcessId of a process that makes no calls: nothing counted.
        var none = ps.Ok("Trace-BpfSyscallError -Duration 0.3 -ProcessId 999999");
        Assert.Empty(none);
    }

    [Fact]
    public async Task StoppingThePipelineDetaches()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession(onCallingThread: false);
        var before = KernelPrograms.Ids();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfSyscallError -Duration 30", new Dictionary<string, object?>(), "syscall_errors", before);
        ps.Stop();
        var result = await trace;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stop took {clock.Elapsed}");
        KernelPrograms.AssertReturnsTo(before);
        Assert.NotNull(result);
    }

    [Fact]
    public async Task AFullTableIsReportedAndEveryFailureIsCountedOrReported()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("fail_syscalls.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        // 10 processes × 2 (syscall, errno) rows = 20 rows for a table of 16.
        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfSyscallError -Duration 3 -ProcessName $n -TableSize 16", new Dictionary<string, object?> { ["n"] = helper.Name }, "syscall_errors", before);
        for (int i = 0; i < 10; i++)
        {
            helper.Run("3", "2");
        }
        var result = await trace;
        var rows = result.Output.Select(o => (BpfSyscallError)o.BaseObject).ToList();
        Assert.Equal(16, rows.Count);
        var warning = Assert.Single(ps.LastWarnings);
        Assert.Contains("table of 16", warning);
        ulong uncounted = ulong.Parse(warning.Split(' ')[0]);
        Assert.Equal(50UL, rows.Aggregate(0UL, (sum, r) => sum + r.Count) + uncounted);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void WithoutCapabilitiesTheTraceFailsWithAStructuredErrorAndLeavesNothing()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        var error = ThreadWithoutCapabilities.Run(() =>
        {
            using var ps = new PowerShellSession();
            return ps.Fails("Trace-BpfSyscallError -Duration 1");
        });
        Assert.Equal("PermissionDenied,EbpfMcp.Tracers.TraceBpfSyscallErrorCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void DurationBeyondTheMaximumAndUnknownNamesAreRefusedBeforeLoading()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var error = ps.Fails("Trace-BpfSyscallError -Duration 3601");
        Assert.Equal("ParameterArgumentValidationError,EbpfMcp.Tracers.TraceBpfSyscallErrorCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        var unknown = ps.Fails("Trace-BpfSyscallError -Duration 1 -Errno ENOSUCH");
        Assert.Equal("UnknownErrno,EbpfMcp.Tracers.TraceBpfSyscallErrorCommand", unknown.FullyQualifiedErrorId);
    }
}
