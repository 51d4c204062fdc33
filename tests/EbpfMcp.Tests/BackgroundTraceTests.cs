using System.Management.Automation;
using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;

namespace EbpfMcp.Tests;

/// <summary>
/// Background traces are real PowerShell jobs with a TraceId that any runspace can receive, stop and
/// summarise; their kernel side goes when they end; unknown ids are TraceNotFound.
/// </summary>
public sealed class BackgroundTraceTests
{
    private static Dictionary<string, object?> Vars(params (string, object?)[] pairs) => pairs.ToDictionary(p => p.Item1, p => p.Item2);

    [Fact]
    public void AJobTracesInTheBackgroundAndAnotherRunspaceReceivesAndStopsIt()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("fail_syscalls.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var path = $"/nonexistent/ebpf-mcp-job-{Guid.NewGuid():N}";
        var started = DateTime.UtcNow;
        var job = (BpfTraceJob)ps.Ok("Trace-BpfFileOpen -AsJob -Duration 120 -FailedOnly -ProcessName $n", Vars(("n", helper.Name))).Single().BaseObject;
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "-AsJob returns at once");
        Assert.IsAssignableFrom<Job>(job);
        Assert.Matches("^[A-Za-z0-9_-]{22}$", job.TraceId); // 128 random bits, URL-safe
        Assert.Equal("Trace-BpfFileOpen", job.Tracer);
        Assert.Equal(JobState.Running, job.State);
        Assert.Contains(KernelPrograms.List(), p => !before.Contains(p.Id) && p.Name.StartsWith("open", StringComparison.Ordinal));
        // The job system knows it.
        Assert.Equal(job.TraceId, ps.Ok("(Get-Job -Id $id).Name", Vars(("id", job.Id))).Single().BaseObject);

        helper.Run("4", "0", path);
        helper.Run("2", "0", path + "-b");
        WaitFor(() => job.EventCount == 6);

        // Another runspace of the process, as an MCP connection would be.
        using var other = new PowerShellSession();
        var kept = other.Ok("Receive-BpfTrace -TraceId $t -Keep", Vars(("t", job.TraceId))).Select(o => (BpfFileOpenEvent)o.BaseObject).ToList();
        Assert.Equal(6, kept.Count);
        var groups = other.Ok("Receive-BpfTrace -TraceId $t -GroupBy Path", Vars(("t", job.TraceId))).Select(o => (BpfEventGroup)o.BaseObject).ToList();
        Assert.Equal([4L, 2L], groups.Select(g => g.Count));
        Assert.Equal(path, groups[0].Group["Path"]);
        Assert.Equal(3, groups[0].Sample.Count);
        var first = other.Ok("Receive-BpfTrace -TraceId $t -First 2", Vars(("t", job.TraceId)));
        Assert.Equal(2, first.Count);
        Assert.Equal(4, other.Ok("Receive-BpfTrace -TraceId $t -Keep", Vars(("t", job.TraceId))).Count);

        var rest = other.Ok("Stop-BpfTrace -TraceId $t", Vars(("t", job.TraceId)));
        Assert.Equal(4, rest.Count);
        Assert.Equal(JobState.Stopped, job.State);
        Assert.NotNull(job.EndedAt);
        KernelPrograms.AssertReturnsTo(before); // detached at once, results kept
        Assert.Equal(job.TraceId, ((BpfTraceJob)ps.Ok("Get-BpfTrace -TraceId $t", Vars(("t", job.TraceId))).Single().BaseObject).TraceId);
        Assert.Equal(6, job.EventCount);

        // Remove-Job frees it; its id is then unknown everywhere.
        ps.Ok("Remove-Job -Id $id", Vars(("id", job.Id)));
        var gone = other.Run("Receive-BpfTrace -TraceId $t", Vars(("t", job.TraceId)));
        var error = Assert.Single(gone.Errors);
        Assert.Equal("TraceNotFound,EbpfMcp.Commands.ReceiveBpfTraceCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Fact]
    public void WaitJobAndReceiveJobWorkAndAGroupingTraceCountsEveryEvent()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("fail_syscalls.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var path = $"/nonexistent/ebpf-mcp-wait-{Guid.NewGuid():N}";
        var job = (BpfTraceJob)ps.Ok("Trace-BpfFileOpen -AsJob -Duration 3 -FailedOnly -ProcessName $n -GroupBy ProcessName, Errno", Vars(("n", helper.Name))).Single().BaseObject;
        WaitFor(() => KernelPrograms.TracerAttached("open", before));
        helper.Run("9", "0", path);
        var finished = ps.Ok("Wait-Job -Id $id -Timeout 30 | Receive-Job", Vars(("id", job.Id))).Select(o => (BpfEventGroup)o.BaseObject).ToList();
        Assert.Equal(JobState.Completed, job.State);
        var group = Assert.Single(finished);
        Assert.Equal(9, group.Count);
        Assert.Equal(helper.Name, group.Group["ProcessName"]);
        Assert.Equal("ENOENT", group.Group["Errno"]);
        KernelPrograms.AssertReturnsTo(before);
        ps.Ok("Remove-Job -Id $id", Vars(("id", job.Id)));
    }

    [Fact]
    public async Task ForegroundGroupByCountsExactlyAndWritesTheSummary()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("fail_syscalls.c");
        using var ps = new PowerShellSession(onCallingThread: false);
        var before = KernelPrograms.Ids();
        var path = $"/nonexistent/ebpf-mcp-group-{Guid.NewGuid():N}";
        var run = Task.Run(() => ps.Ok("Trace-BpfFileOpen -Duration 3 -FailedOnly -ProcessName $n -GroupBy Path -InformationVariable info; $info", Vars(("n", helper.Name))));
        WaitFor(() => KernelPrograms.TracerAttached("open", before));
        helper.Run("7", "0", path);
        helper.Run("3", "0", path + "-x");
        var output = await run;
        var groups = output.Select(o => o.BaseObject).OfType<BpfEventGroup>().ToList();
        Assert.Equal([7L, 3L], groups.Select(g => g.Count));
        var summary = (BpfTraceSummary)((InformationRecord)output.Select(o => o.BaseObject).OfType<InformationRecord>().Single()).MessageData;
        Assert.Equal(10, summary.Events);
        Assert.Equal(0, summary.Lost);
        Assert.Equal(10, summary.ByProcess[helper.Name]);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void UnknownTraceIdsAreTraceNotFound()
    {
        using var ps = new PowerShellSession();
        foreach (var command in new[] { "Receive-BpfTrace", "Stop-BpfTrace", "Get-BpfTrace" })
        {
            var result = ps.Run($"{command} -TraceId AAAAAAAAAAAAAAAAAAAAAA");
            var error = Assert.Single(result.Errors);
            Assert.StartsWith("TraceNotFound,", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        }
    }

    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            Thread.Sleep(20);
        }
    }
}
