using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Loading;

/// <summary>
/// Attaches one loaded program: by its section when the section names the hook (tracepoint/,
/// raw_tp/, tp_btf/, uprobe/path:func, ...), or to the target the user gave (XDP interface,
/// cgroup, perf sampling) when the hook needs one.
/// </summary>
internal static unsafe partial class ProgramAttacher
{
    public static List<Attachment> Attach(BpfProgramHandle program, AttachTargets targets)
    {
        var type = KernelTypeNames.Program((uint)program.Type);
        var section = program.Section;
        if (type == "sched_cls")
        {
            return [AttachTc(program, targets, egress: section.Contains("egress", StringComparison.Ordinal))];
        }
        var links = type switch
        {
            "xdp" => [AttachXdp(program, targets)],
            "perf_event" => AttachPerfSampling(program, targets.SampleFrequency),
            "tracepoint" when targets.Tracepoint is { } tp => [AttachTracepoint(program, tp)],
            "kprobe" when section.StartsWith("uprobe", StringComparison.Ordinal) || section.StartsWith("uretprobe", StringComparison.Ordinal)
                => [AttachUprobe(program, targets, retprobe: section.StartsWith("uretprobe", StringComparison.Ordinal))],
            _ when type.StartsWith("cgroup", StringComparison.Ordinal) || type is "sock_ops" => [AttachCgroup(program, targets)],
            _ => new List<BpfLinkHandle> { Checked(LibBpfObjectApi.Attach(program.Pointer), program, "attach by section") },
        };
        return links.Select(Attachment.ForLink).ToList();
    }

    private static BpfLinkHandle AttachTracepoint(BpfProgramHandle program, string categoryAndName)
    {
        var parts = categoryAndName.Split(':', 2);
        return Checked(LibBpfObjectApi.AttachTracepoint(program.Pointer, parts[0], parts[1]), program, $"attach to tracepoint {categoryAndName}");
    }

    private static unsafe BpfLinkHandle AttachUprobe(BpfProgramHandle program, AttachTargets targets, bool retprobe)
    {
        if (targets.Binary is null || targets.Symbol is null)
        {
            // Sections like uprobe/path:function name their own target.
            return Checked(LibBpfObjectApi.Attach(program.Pointer), program, "attach by section");
        }
        // A FIFO or device here would block (or trigger) libbpf's open of it: only a regular file is
        // probed, by its real path (the kernel records the path it is given, and shows it later).
        using var binary = ObjectFile.OpenRegular(targets.Binary, "-Binary", SourcePolicy.Unrestricted, long.MaxValue, "BinaryNotFound", out var real, out _);
        var symbol = System.Text.Encoding.UTF8.GetBytes(targets.Symbol + "\0");
        fixed (byte* s = symbol)
        {
            var options = new LibBpfAttachApi.UprobeOptions { Size = (nuint)sizeof(LibBpfAttachApi.UprobeOptions), Retprobe = retprobe, FunctionName = s };
            return Checked(LibBpfAttachApi.AttachUprobe(program.Pointer, -1, real, 0, &options), program, $"attach to {targets.Binary}:{targets.Symbol}");
        }
    }

    private static Attachment AttachTc(BpfProgramHandle program, AttachTargets targets, bool egress)
    {
        if (string.IsNullOrEmpty(targets.Interface))
        {
            throw new BpfException("AttachTargetRequired", $"Program '{program.Name}' is a tc program: give -Interface <name> to attach it.");
        }
        uint ifindex = LibC.InterfaceIndex(targets.Interface);
        if (ifindex == 0)
        {
            throw new BpfException("InterfaceNotFound", $"No network interface named '{targets.Interface}' exists.", 19);
        }
        var filter = new TcFilter(program.Fd, (int)ifindex, egress);
        return Attachment.ForDetacher(filter, $"tc:{targets.Interface} ({(egress ? "egress" : "ingress")})");
    }

    private static BpfLinkHandle AttachXdp(BpfProgramHandle program, AttachTargets targets)
    {
        if (string.IsNullOrEmpty(targets.Interface))
        {
            throw new BpfException("AttachTargetRequired", $"Program '{program.Name}' is an XDP program: give -Interface <name> to attach it.");
        }
        uint ifindex = LibC.InterfaceIndex(targets.Interface);
        if (ifindex == 0)
        {
            throw new BpfException("InterfaceNotFound", $"No network interface named '{targets.Interface}' exists.", 19);
        }
        return Checked(LibBpfObjectApi.AttachXdp(program.Pointer, (int)ifindex), program, $"attach to XDP on {targets.Interface}");
    }

    private static BpfLinkHandle AttachCgroup(BpfProgramHandle program, AttachTargets targets)
    {
        if (string.IsNullOrEmpty(targets.Cgroup))
        {
            throw new BpfException("AttachTargetRequired", $"Program '{program.Name}' is a cgroup program: give -Cgroup <cgroup v2 directory> to attach it.");
        }
        int fd = LibC.Open(targets.Cgroup, LibC.ORdOnly | LibC.ODirectory | LibC.OCloExec);
        if (fd < 0)
        {
            throw BpfException.FromErrno($"open cgroup '{targets.Cgroup}'", Marshal.GetLastPInvokeError(), "CgroupNotFound");
        }
        using var cgroup = new BpfFdHandle(fd);
        return Checked(LibBpfObjectApi.AttachCgroup(program.Pointer, fd), program, $"attach to cgroup {targets.Cgroup}");
    }

    /// <summary>One software cpu-clock sampling event per online CPU, like profile(8).</summary>
    private static List<BpfLinkHandle> AttachPerfSampling(BpfProgramHandle program, int frequency)
    {
        var links = new List<BpfLinkHandle>();
        try
        {
            foreach (var cpu in OnlineCpus())
            {
                int fd = PerfEventOpen.SoftwareCpuClock(cpu, frequency);
                var link = LibBpfObjectApi.AttachPerfEvent(program.Pointer, fd);
                if (link == IntPtr.Zero)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    LibC.Close(fd);
                    throw BpfException.FromErrno($"attach '{program.Name}' to perf event on CPU {cpu}", errno, "AttachFailed");
                }
                links.Add(new BpfLinkHandle(link)); // the link closes the perf event fd when destroyed
            }
            return links;
        }
        catch
        {
            links.ForEach(l => l.Dispose());
            throw;
        }
    }

    private static BpfLinkHandle Checked(IntPtr link, BpfProgramHandle program, string what)
    {
        if (link != IntPtr.Zero)
        {
            return new BpfLinkHandle(link);
        }
        int errno = Marshal.GetLastPInvokeError();
        // EOPNOTSUPP: libbpf knows no automatic attach for this section; the user must name a target.
        bool needsTarget = errno == 95;
        var failure = BpfException.FromErrno($"{what} of program '{program.Name}' (section {program.Section})", errno, needsTarget ? "AttachTargetRequired" : "AttachFailed");
        throw needsTarget
            ? new BpfException(failure.ErrorId, $"{failure.Message}. Section '{program.Section}' does not name a hook libbpf can attach to by itself.", errno)
            : failure;
    }

    private static IEnumerable<int> OnlineCpus()
    {
        // "0-3,5" → 0,1,2,3,5
        var text = File.ReadAllText("/sys/devices/system/cpu/online").Trim();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-');
            int first = int.Parse(bounds[0]), last = bounds.Length > 1 ? int.Parse(bounds[1]) : first;
            for (int cpu = first; cpu <= last; cpu++)
            {
                yield return cpu;
            }
        }
    }
}
