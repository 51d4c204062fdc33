using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>Attach targets beyond the section: -Tracepoint, -Binary/-Symbol, -Interface (XDP and tc), -Cgroup.</summary>
public sealed class InstallAttachOptionsTests
{
    private static Dictionary<string, object?> Vars(params (string, object?)[] pairs) => pairs.ToDictionary(p => p.Item1, p => p.Item2);

    // getsid(pid_t) has the same context layout as getpgid(pid_t), so the program fits it.
    [Fact]
    public void TracepointOverridesTheSection()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p -Program count_getpgid -Attach -Tracepoint syscalls:sys_enter_getsid", Vars(("p", TestObjects.Counter))).Single().BaseObject;
        try
        {
            Assert.Equal(["tracepoint:syscalls:sys_enter_getsid"], installation.Programs[0].AttachedTo);
            var hook = (BpfHook)ps.Ok("Get-BpfHook -Id $id", Vars(("id", installation.Programs[0].Id))).Single().BaseObject;
            Assert.Equal(["tracepoint:syscalls:sys_enter_getsid"], hook.AttachedTo);
        }
        finally
        {
            ps.Ok("Uninstall-BpfProgram -Id $i", Vars(("i", installation.Id)));
        }
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void UprobeOnBinaryAndSymbolCountsCalls()
    {
        KernelPrerequisites.Require();
        using var helper = new NativeHelper("fail_syscalls.c");
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p -Attach -Binary $b -Symbol main", Vars(("p", TestObjects.Object("uprobe_count")), ("b", helper.Path))).Single().BaseObject;
        try
        {
            var attached = Assert.Single(installation.Programs[0].AttachedTo);
            Assert.StartsWith("uprobe:", attached);
            Assert.Contains(helper.Path, attached);
            helper.Run();
            helper.Run();
            helper.Run();
            var entry = (BpfMapEntry)ps.Ok("Get-BpfMap -Id $m -Dump", Vars(("m", installation.Maps.Single(m => m.Name == "hits").Id))).Single().BaseObject;
            Assert.Equal(3UL, entry.Value);
        }
        finally
        {
            ps.Ok("Uninstall-BpfProgram -Id $i", Vars(("i", installation.Id)));
        }
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void XdpAndTcOnAVethPairInAPrivateNetworkNamespace()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        using var netns = new PrivateNetworkNamespace();
        netns.Ip("link", "add", "emveth0", "type", "veth", "peer", "name", "emveth1");
        netns.Ip("link", "set", "emveth0", "up");
        netns.Ip("link", "set", "emveth1", "up");
        netns.Ip("addr", "add", "10.200.0.1/24", "dev", "emveth0");
        netns.Ip("addr", "add", "10.200.0.2/24", "dev", "emveth1");

        // Everything below runs on one thread that has entered the namespace.
        netns.RunInside(() =>
        {
            using var ps = new PowerShellSession();
            var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p -Attach -Interface emveth0", Vars(("p", TestObjects.Object("net_pass")))).Single().BaseObject;
            try
            {
                Assert.Equal(["xdp:emveth0"], installation.Programs.Single(p => p.Name == "xdp_pass").AttachedTo);
                Assert.Equal(["tc:emveth0 (ingress)"], installation.Programs.Single(p => p.Name == "tc_pass").AttachedTo);
                var hooks = ps.Ok("Get-BpfHook | Where-Object InstalledBy -eq $i", Vars(("i", installation.Id))).Select(o => (BpfHook)o.BaseObject).ToList();
                Assert.Equal(["xdp:emveth0"], hooks.Single(h => h.Name == "xdp_pass").AttachedTo);
                Assert.Equal(["tc:emveth0 (ingress)"], hooks.Single(h => h.Name == "tc_pass").AttachedTo);
                Assert.Contains("clsact", KernelPrerequisites.Run("tc", "qdisc", "show", "dev", "emveth0"));
            }
            finally
            {
                ps.Ok("Uninstall-BpfProgram -Id $i", Vars(("i", installation.Id)));
            }
            Assert.DoesNotContain("clsact", KernelPrerequisites.Run("tc", "qdisc", "show", "dev", "emveth0"));
        });
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void CgroupProgramAttachesToTheGivenCgroupAndShowsItsPath()
    {
        KernelPrerequisites.Require();
        var root = File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')).First(f => f[2] == "cgroup2")[1];
        var cgroup = Path.Combine(root, "ebpf-mcp-test-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(cgroup);
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        try
        {
            var installation = (BpfInstallation)ps.Ok("Install-BpfProgram -Path $p -Attach -Cgroup $c", Vars(("p", TestObjects.Object("cgroup_egress")), ("c", cgroup))).Single().BaseObject;
            try
            {
                var expected = $"cgroup:{cgroup} (egress)";
                Assert.Equal([expected], installation.Programs[0].AttachedTo);
                var hook = (BpfHook)ps.Ok("Get-BpfHook -Id $id", Vars(("id", installation.Programs[0].Id))).Single().BaseObject;
                Assert.Equal([expected], hook.AttachedTo);
                Assert.Contains(installation.Programs[0].Id.ToString(), KernelPrerequisites.Run("bpftool", "cgroup", "show", cgroup));
            }
            finally
            {
                ps.Ok("Uninstall-BpfProgram -Id $i", Vars(("i", installation.Id)));
            }
            Assert.DoesNotContain("count_egress", KernelPrerequisites.Run("bpftool", "cgroup", "show", cgroup));
        }
        finally
        {
            Directory.Delete(cgroup);
        }
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void XdpWithoutInterfaceOrUnknownInterfaceIsRefusedAndUnwound()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var none = ps.Fails("Install-BpfProgram -Path $p -Attach", Vars(("p", TestObjects.Object("net_pass"))));
        Assert.Equal("AttachTargetRequired,EbpfMcp.Commands.InstallBpfProgramCommand", none.FullyQualifiedErrorId);
        var unknown = ps.Fails("Install-BpfProgram -Path $p -Attach -Interface nosuch0", Vars(("p", TestObjects.Object("net_pass"))));
        Assert.Equal("InterfaceNotFound,EbpfMcp.Commands.InstallBpfProgramCommand", unknown.FullyQualifiedErrorId);
        KernelPrograms.AssertReturnsTo(before);
    }
}
