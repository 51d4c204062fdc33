using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Inventory;

/// <summary>
/// Programs attached without a BPF link (perf_event_open + PERF_EVENT_IOC_SET_BPF, as older
/// loaders do) appear only through the perf event fd that holds them. Like `bpftool perf`, this
/// asks the kernel about every perf event fd of every process (BPF_TASK_FD_QUERY).
/// </summary>
internal static unsafe class PerfEventAttachments
{
    private const uint FdTypeRawTracepoint = 0, FdTypeTracepoint = 1, FdTypeKprobe = 2, FdTypeKretprobe = 3, FdTypeUprobe = 4, FdTypeUretprobe = 5;

    public static List<(uint ProgramId, string AttachedTo)> ReadAll(AttachPointNames names)
    {
        var result = new List<(uint, string)>();
        byte* buffer = stackalloc byte[512];
        foreach (var (pid, fd, _) in ProcessFdLinks.Find("anon_inode:[perf_event]"))
        {
            uint length = 512, programId = 0, fdType = 0;
            ulong offset = 0, address = 0;
            if (LibBpfSyscallApi.TaskFdQuery(pid, fd, 0, buffer, &length, &programId, &fdType, &offset, &address) != 0)
            {
                continue; // not a BPF-bearing perf event, or gone
            }
            var name = KernelObjectInfo.CString(buffer, 512);
            result.Add((programId, fdType switch
            {
                FdTypeRawTracepoint => $"raw_tp:{name}",
                FdTypeTracepoint => names.Tracepoint(name),
                FdTypeKprobe => address != 0 ? $"kprobe:0x{address:x}" : $"kprobe:{name}+0x{offset:x}",
                FdTypeKretprobe => $"kretprobe:{name}",
                FdTypeUprobe => $"uprobe:{name}+0x{offset:x}",
                FdTypeUretprobe => $"uretprobe:{name}+0x{offset:x}",
                _ => $"perf_event:{name}",
            }));
        }
        return result;
    }
}
