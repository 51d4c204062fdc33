using System.Diagnostics;
using System.Security.Cryptography;
using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;

namespace EbpfMcp.Tests;

/// <summary>
/// Every event says who caused it: a helper run as another user, in a cgroup named like a docker
/// container, opens files from a worker thread with a name of its own; the events name the process
/// (its main thread's name, which -ProcessName matches), the thread, the parent, the user, the
/// cgroup and the container.
/// </summary>
public sealed class EventContextTests
{
    private const uint Nobody = 65534;

    [Fact]
    public async Task EventsNameProcessThreadParentUserCgroupAndContainer()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("context_worker.c", true, "-pthread");
        helper.AllowOtherUsers();
        var container = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        using var cgroup = new TestCgroup($"docker-{container}.scope");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var path = $"/nonexistent/ebpf-mcp-ctx-{Guid.NewGuid():N}";
        // -ProcessName is the process's name: the worker thread's own name must not hide its opens.
        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfFileOpen -Duration 4 -ProcessName $n -FailedOnly", new Dictionary<string, object?> { ["n"] = helper.Name }, "open", before);

        var psi = new ProcessStartInfo("setpriv", ["--reuid", Nobody.ToString(), "--regid", Nobody.ToString(), "--clear-groups", "--", helper.Path, "ctxworker", path, "5"]) { RedirectStandardInput = true, UseShellExecute = false };
        using var child = Process.Start(psi)!;
        cgroup.Add(child.Id);
        child.StandardInput.WriteLine("go");
        child.StandardInput.Close();
        await child.WaitForExitAsync();
        Assert.Equal(0, child.ExitCode);

        var events = (await trace).Output.Select(o => (BpfFileOpenEvent)o.BaseObject).ToList();
        Assert.Equal(5, events.Count);
        var parentName = File.ReadAllText("/proc/self/comm").Trim();
        Assert.All(events, e =>
        {
            Assert.Equal(path, e.Path);
            Assert.Equal(child.Id, e.ProcessId);
            Assert.Equal(helper.Name, e.ProcessName);
            Assert.NotEqual(child.Id, e.ThreadId);
            Assert.Equal("ctxworker", e.ThreadName);
            Assert.Equal(Environment.ProcessId, e.ParentProcessId);
            Assert.Equal(parentName, e.ParentProcessName);
            Assert.Equal(Nobody, e.UserId);
            Assert.Equal(cgroup.RelativePath, e.CgroupPath);
            Assert.Equal(container, e.ContainerId);
            Assert.True(e.CgroupId > 0);
            Assert.True(Math.Abs((DateTimeOffset.Now - e.Timestamp).TotalSeconds) < 30);
        });
        KernelPrograms.AssertReturnsTo(before);
    }

    /// <summary>
    /// Events of one thread share what they say about it until it changes: a thread renamed between
    /// its opens is named as it was at each open, and the main thread's opens before and after keep
    /// their own thread.
    /// </summary>
    [Fact]
    public async Task EachEventNamesItsThreadAsItWasAtThatMoment()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("thread_renames.c", true, "-pthread");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var prefix = $"/nonexistent/ebpf-mcp-rename-{Guid.NewGuid():N}";
        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfFileOpen -Duration 3 -ProcessName $n -FailedOnly", new Dictionary<string, object?> { ["n"] = helper.Name }, "open", before);
        using (var child = Process.Start(helper.Path, prefix))
        {
            await child.WaitForExitAsync();
            Assert.Equal(0, child.ExitCode);
        }

        var events = (await trace).Output.Select(o => (BpfFileOpenEvent)o.BaseObject).Where(e => e.Path.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal([prefix + "-main", prefix + "-main", prefix + "-before", prefix + "-before", prefix + "-after", prefix + "-after", prefix + "-main", prefix + "-main"], events.Select(e => e.Path));
        var main = events.Where(e => e.Path.EndsWith("-main", StringComparison.Ordinal)).ToList();
        var worker = events.Except(main).ToList();
        Assert.All(main, e => Assert.Equal((e.ProcessId, helper.Name), (e.ThreadId, e.ThreadName)));
        Assert.All(worker, e => Assert.NotEqual(e.ProcessId, e.ThreadId));
        Assert.Single(worker.Select(e => e.ThreadId).Distinct());
        Assert.All(worker, e => Assert.Equal(e.Path.EndsWith("-before", StringComparison.Ordinal) ? "before" : "after", e.ThreadName));
        Assert.All(events, e => Assert.Equal(helper.Name, e.ProcessName));
        KernelPrograms.AssertReturnsTo(before);
    }

    [Theory]
    [InlineData("/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c.slice/cri-containerd-aaaabbbbccccddddeeeeffff00001111222233334444555566667777888899990.scope", null)]
    [InlineData("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod5.slice/crio-fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210.scope", "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210")]
    [InlineData("/kubepods/burstable/pod1b2c/0011223344556677889900112233445566778899001122334455667788990011", "0011223344556677889900112233445566778899001122334455667788990011")]
    [InlineData("/docker/abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd", "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd")]
    [InlineData("/machine.slice/libpod-1111111111111111111111111111111111111111111111111111111111111111.scope/container", "1111111111111111111111111111111111111111111111111111111111111111")]
    [InlineData("/system.slice/nginx.service", null)]
    [InlineData("/", null)]
    public void ContainerIdsComeFromTheCgroupNamesOfTheRuntimes(string path, string? expected)
    {
        // (the second case has 65 hex digits: not an id)
        Assert.Equal(expected, EbpfMcp.Kernel.Host.CgroupPaths.ContainerIdOf(path));
    }
}
