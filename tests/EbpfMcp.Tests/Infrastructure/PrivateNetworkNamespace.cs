using System.Runtime.InteropServices;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// A named network namespace of the test's own (ip netns), entered by one dedicated thread with
/// setns(2), which moves only that thread. Deleted on dispose.
/// </summary>
public sealed partial class PrivateNetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    public PrivateNetworkNamespace()
    {
        Name = "ebpfmcp" + Guid.NewGuid().ToString("N")[..8];
        var add = KernelPrerequisites.RunWithExit("ip", "netns", "add", Name);
        Assert.True(add.ExitCode == 0, add.Error);
    }

    public string Name { get; }

    public void Ip(params string[] args)
    {
        var run = KernelPrerequisites.RunWithExit("ip", ["-n", Name, .. args]);
        Assert.True(run.ExitCode == 0, $"ip {string.Join(' ', args)}: {run.Error}");
    }

    public void RunInside(Action body) => DedicatedThread.Run(() =>
    {
        using var ns = File.OpenHandle($"/run/netns/{Name}");
        if (SetNs((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
        {
            throw new InvalidOperationException($"setns failed: {Marshal.GetLastPInvokeError()}");
        }
        body();
        return 0;
    });

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);

    public void Dispose() => KernelPrerequisites.RunWithExit("ip", "netns", "del", Name);
}
