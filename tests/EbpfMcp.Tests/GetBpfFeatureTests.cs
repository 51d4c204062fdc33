using EbpfMcp.Model;
using EbpfMcp.Tests.Infrastructure;

namespace EbpfMcp.Tests;

/// <summary>The known truths of this kernel, found by trying; and nothing left behind by probing.</summary>
public sealed class GetBpfFeatureTests
{
    private static Dictionary<string, BpfFeature> Features(PowerShellSession ps, string category) =>
        ps.Ok("Get-BpfFeature -Category $c", new Dictionary<string, object?> { ["c"] = category })
            .Select(o => (BpfFeature)o.BaseObject).ToDictionary(f => f.Name);

    [Fact]
    public void AttachKindsMatchWhatThisKernelAllows()
    {
        KernelPrerequisites.Require();
        var programsBefore = KernelPrograms.Ids();
        var cgroupsBefore = CgroupDirectories();
        using var ps = new PowerShellSession();
        var kinds = Features(ps, "AttachKind");

        foreach (var supported in new[] { "tracepoint", "raw_tp", "tp_btf", "perf_event", "ringbuf", "uprobe", "xdp", "tc", "cgroup_skb" })
        {
            Assert.True(kinds[supported].Supported, $"{supported}: {kinds[supported].Reason}");
        }
        // This kernel: kprobes compiled out, fentry refused under lockdown=integrity.
        if (!Directory.Exists("/sys/bus/event_source/devices/kprobe") && !File.Exists("/sys/kernel/tracing/kprobe_events"))
        {
            Assert.False(kinds["kprobe"].Supported);
            Assert.Equal("kprobes not built in: no kprobe PMU and no kprobe_events", kinds["kprobe"].Reason);
            Assert.False(kinds["kretprobe"].Supported);
        }
        var lockdown = File.ReadAllText("/sys/kernel/security/lockdown");
        if (lockdown.Contains("[integrity]"))
        {
            Assert.False(kinds["fentry"].Supported);
            Assert.Equal("fentry load refused: EPERM (lockdown=integrity)", kinds["fentry"].Reason);
            Assert.False(kinds["fexit"].Supported);
        }
        Assert.All(kinds.Values, k => Assert.False(string.IsNullOrWhiteSpace(k.Reason)));
        Assert.Contains("veth device in a private network namespace", kinds["xdp"].Reason);
        Assert.Contains("veth device in a private network namespace", kinds["tc"].Reason);
        // The probe's veth pair lived only in the probing thread's namespace.
        Assert.DoesNotContain("ebpfprobe", KernelPrerequisites.Run("ip", "link", "show"));

        // Probing leaves nothing loaded and no cgroup behind; the private netns died with its thread.
        KernelPrograms.AssertReturnsTo(programsBefore);
        Assert.Equal(cgroupsBefore, CgroupDirectories());
    }

    [Fact]
    public void TypesHelpersAndTracers()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var programTypes = Features(ps, "ProgramType");
        Assert.True(programTypes["tracepoint"].Supported);
        Assert.True(programTypes["xdp"].Supported);
        var maps = Features(ps, "MapType");
        Assert.True(maps["hash"].Supported);
        Assert.True(maps["ringbuf"].Supported);
        var helpers = Features(ps, "Helper");
        Assert.True(helpers["bpf_map_lookup_elem"].Supported);
        Assert.True(helpers["bpf_get_current_comm"].Supported);
        Assert.True(helpers.Count > 150);
        // Networking helpers cannot be called from tracepoint programs: the probe says so.
        Assert.False(helpers["bpf_skb_store_bytes"].Supported, helpers["bpf_skb_store_bytes"].Reason);

        var tracers = Features(ps, "Tracer");
        // Every Trace-/Measure- cmdlet of the module is a tracer Get-BpfFeature knows.
        Assert.Equal(ModuleCmdlets.All.Where(c => c.StartsWith("Trace-", StringComparison.Ordinal) || c.StartsWith("Measure-", StringComparison.Ordinal)), tracers.Keys.Order(StringComparer.Ordinal));
        Assert.All(tracers.Values, t => Assert.True(t.Supported, t.Reason));
        Assert.Equal("runs on tp_btf:sys_exit", tracers["Trace-BpfSyscallError"].Reason);

        // -Name filters with wildcards across categories.
        var named = ps.Ok("Get-BpfFeature -Category AttachKind -Name 'k*probe'").Select(o => ((BpfFeature)o.BaseObject).Name).ToArray();
        Assert.Equal(["kprobe", "kretprobe"], named.Order());
    }

    [Fact]
    public void KernelInfoSummarisesAttachKinds()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var info = (BpfKernelInfo)ps.Ok("Get-BpfKernelInfo").Single().BaseObject;
        var kinds = Features(ps, "AttachKind");
        Assert.Equal(kinds.Values.Count(k => k.Supported), info.SupportedAttachKinds);
        Assert.Equal(kinds.Values.Count(k => !k.Supported), info.UnsupportedAttachKinds);
        Assert.StartsWith($"{info.SupportedAttachKinds} of {kinds.Count} attach kinds supported", info.AttachKindSummary);
        foreach (var missing in kinds.Values.Where(k => !k.Supported))
        {
            Assert.Contains(missing.Name, info.AttachKindSummary);
        }
    }

    private static string[] CgroupDirectories() =>
        File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')).Where(f => f[2] == "cgroup2")
            .SelectMany(f => Directory.GetDirectories(f[1])).Order().ToArray();
}
