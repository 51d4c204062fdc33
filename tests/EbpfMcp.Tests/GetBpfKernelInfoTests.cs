using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

public sealed class GetBpfKernelInfoTests
{
    [Fact]
    public void ReportsTheRunningKernelAsProcAndSysfsSayIt()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var info = (BpfKernelInfo)ps.Ok("Get-BpfKernelInfo").Single().BaseObject;

        Assert.Equal(KernelPrerequisites.Run("uname", "-r").Trim(), info.KernelRelease);
        Assert.Equal(KernelPrerequisites.Run("uname", "-m").Trim(), info.Architecture);
        Assert.Equal(File.Exists("/sys/kernel/btf/vmlinux"), info.BtfAvailable);
        Assert.True(info.BpffsMounted, "the test prerequisites mount bpffs");
        Assert.True(info.TracefsMounted, "the test prerequisites mount tracefs");
        Assert.Equal(File.ReadAllLines("/proc/self/mounts").Any(l => l.Split(' ')[2] == "cgroup2"), info.CgroupV2);
        Assert.Equal(int.Parse(File.ReadAllText("/proc/sys/kernel/unprivileged_bpf_disabled")), info.UnprivilegedBpfDisabled);
        Assert.Equal(File.ReadAllText("/proc/sys/net/core/bpf_jit_enable").Trim() != "0", info.JitEnabled);
        var lockdown = File.ReadAllText("/sys/kernel/security/lockdown");
        Assert.Contains($"[{info.Lockdown}]", lockdown);
        Assert.Contains("CAP_SYS_ADMIN", info.Capabilities);
        Assert.Contains("CAP_BPF", info.Capabilities);
        // Read with capget(2); the thread's status line says the same set.
        var capEff = File.ReadAllLines("/proc/thread-self/status").First(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        Assert.Equal(System.Numerics.BitOperations.PopCount(Convert.ToUInt64(capEff[7..].Trim(), 16)), info.Capabilities.Length);
        Assert.True(info.CanLoadPrograms);
        Assert.StartsWith("v1.", "v" + info.LibbpfVersion.TrimStart('v'));
    }

    [Fact]
    public void CapabilitiesFollowTheCallingThread()
    {
        KernelPrerequisites.Require();
        var info = ThreadWithoutCapabilities.Run(() =>
        {
            using var ps = new PowerShellSession();
            return (BpfKernelInfo)ps.Ok("Get-BpfKernelInfo").Single().BaseObject;
        });
        Assert.DoesNotContain("CAP_BPF", info.Capabilities);
        Assert.DoesNotContain("CAP_SYS_ADMIN", info.Capabilities);
        Assert.False(info.CanLoadPrograms);
    }

    [Fact]
    public void TheMountTableIsReadAgainAfterAMountAndAnUnmount()
    {
        KernelPrerequisites.Require();
        // The table is kept between calls and re-read when poll(2) reports a change: a mount made
        // after the first look must show, and be gone after its unmount.
        var dir = Directory.CreateTempSubdirectory("ebpf-mcp-mounts-").FullName;
        try
        {
            Assert.DoesNotContain(dir, EbpfMcp.Kernel.Host.MountTable.MountPoints("tmpfs"));
            var mount = KernelPrerequisites.RunWithExit("mount", "-t", "tmpfs", "-o", "size=64k", "ebpf-mcp-test", dir);
            Assert.True(mount.ExitCode == 0, mount.Error);
            try
            {
                Assert.Contains(dir, EbpfMcp.Kernel.Host.MountTable.MountPoints("tmpfs"));
                Assert.Contains("tmpfs", EbpfMcp.Kernel.Host.MountTable.FileSystemTypes());
            }
            finally
            {
                KernelPrerequisites.Run("umount", dir);
            }
            Assert.DoesNotContain(dir, EbpfMcp.Kernel.Host.MountTable.MountPoints("tmpfs"));
        }
        finally
        {
            Directory.Delete(dir);
        }
    }
}
