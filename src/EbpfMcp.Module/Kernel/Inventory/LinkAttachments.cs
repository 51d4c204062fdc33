using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Inventory;

/// <summary>One kernel link: which program it attaches and where.</summary>
internal sealed record LinkAttachment(uint LinkId, uint ProgramId, string AttachedTo);

/// <summary>Reads every BPF link in the kernel and names its attach point.</summary>
internal static unsafe class LinkAttachments
{
    private const int NameBufferSize = 512;

    public static List<LinkAttachment> ReadAll(AttachPointNames names, Func<uint, uint> programTypeOf)
    {
        var result = new List<LinkAttachment>();
        foreach (var id in KernelObjectInfo.LinkIds())
        {
            using var fd = KernelObjectInfo.OpenLink(id);
            if (fd is null)
            {
                continue; // detached between listing and opening
            }
            var info = KernelObjectInfo.Read<BpfLinkInfo>(fd);
            result.Add(new LinkAttachment(info.Id, info.ProgramId, Describe(fd, info, names, programTypeOf)));
        }
        return result;
    }

    /// <summary>Names the attach point of one link given by an fd someone else owns.</summary>
    public static string DescribeLinkFd(int linkFd)
    {
        using var fd = BpfFdHandle.FromResult(LibCDup.Dup(linkFd), "dup");
        var info = KernelObjectInfo.Read<BpfLinkInfo>(fd);
        return Describe(fd, info, new AttachPointNames(), ProgramType);
    }

    private static uint ProgramType(uint programId)
    {
        using var fd = KernelObjectInfo.OpenProgram(programId);
        return fd is null ? 0 : KernelObjectInfo.Read<BpfProgramInfo>(fd).Type;
    }

    private static string Describe(BpfFdHandle fd, BpfLinkInfo info, AttachPointNames names, Func<uint, uint> programTypeOf)
    {
        switch ((BpfLinkType)info.Type)
        {
            case BpfLinkType.RawTracepoint:
            {
                var name = ReadName(fd, BpfLinkInfoOffsets.NamePointer, BpfLinkInfoOffsets.NameLength);
                return programTypeOf(info.ProgramId) == KernelTypeNames.ProgramTypeTracing ? $"tp_btf:{name}" : $"raw_tp:{name}";
            }
            case BpfLinkType.Tracing:
            {
                var kind = KernelTypeNames.Attach(info.U32(BpfLinkInfoOffsets.TracingAttachType)).Replace("trace_", "");
                return $"{kind}:{VmlinuxTypeName(info.U32(BpfLinkInfoOffsets.TracingTargetBtfId))}";
            }
            case BpfLinkType.Cgroup:
                return names.Cgroup(info.U64(BpfLinkInfoOffsets.CgroupId), info.U32(BpfLinkInfoOffsets.CgroupAttachType));
            case BpfLinkType.Iter:
                return $"iter:{ReadName(fd, BpfLinkInfoOffsets.NamePointer, BpfLinkInfoOffsets.NameLength)}";
            case BpfLinkType.Netns:
                return $"netns:{info.U32(BpfLinkInfoOffsets.NetnsIno)} ({AttachPointNames.ShortAttachType(info.U32(BpfLinkInfoOffsets.NetnsAttachType))})";
            case BpfLinkType.Xdp:
                return $"xdp:{AttachPointNames.Interface(info.U32(BpfLinkInfoOffsets.IfIndex))}";
            case BpfLinkType.Tcx:
            case BpfLinkType.Netkit:
                return $"{(info.Type == (uint)BpfLinkType.Tcx ? "tcx" : "netkit")}:{AttachPointNames.Interface(info.U32(BpfLinkInfoOffsets.IfIndex))} ({AttachPointNames.ShortAttachType(info.U32(BpfLinkInfoOffsets.IfAttachType))})";
            case BpfLinkType.PerfEvent:
                return DescribePerfEvent(fd, info, names);
            default:
                return KernelTypeNames.Link(info.Type);
        }
    }

    private static string DescribePerfEvent(BpfFdHandle fd, BpfLinkInfo info, AttachPointNames names)
    {
        // Kernels before 6.6 leave the perf_event details zero: say what is known.
        switch ((BpfPerfEventType)info.U32(BpfLinkInfoOffsets.PerfEventType))
        {
            case BpfPerfEventType.Tracepoint:
                return names.Tracepoint(ReadName(fd, BpfLinkInfoOffsets.PerfName, BpfLinkInfoOffsets.PerfNameLength));
            case BpfPerfEventType.Uprobe:
            case BpfPerfEventType.Uretprobe:
            case BpfPerfEventType.Kprobe:
            case BpfPerfEventType.Kretprobe:
            {
                var kind = ((BpfPerfEventType)info.U32(BpfLinkInfoOffsets.PerfEventType)).ToString().ToLowerInvariant();
                var (name, again) = ReadNameAndInfo(fd, BpfLinkInfoOffsets.PerfName, BpfLinkInfoOffsets.PerfNameLength);
                var offset = again.U32(BpfLinkInfoOffsets.PerfOffset);
                return offset == 0 ? $"{kind}:{name}" : $"{kind}:{name}+0x{offset:x}";
            }
            case BpfPerfEventType.Event:
                return AttachPointNames.PerfEvent(info.U32(BpfLinkInfoOffsets.PerfEventKind), info.U64(BpfLinkInfoOffsets.PerfEventConfig));
            default:
                return "perf_event";
        }
    }

    private static string ReadName(BpfFdHandle fd, int pointerOffset, int lengthOffset) =>
        ReadNameAndInfo(fd, pointerOffset, lengthOffset).Name;

    /// <summary>Second info call with a buffer for the attach point's name.</summary>
    private static (string Name, BpfLinkInfo Info) ReadNameAndInfo(BpfFdHandle fd, int pointerOffset, int lengthOffset)
    {
        byte* buffer = stackalloc byte[NameBufferSize];
        buffer[0] = 0;
        var request = new BpfLinkInfo();
        request.SetU64(pointerOffset, (ulong)buffer);
        request.SetU32(lengthOffset, NameBufferSize);
        var info = KernelObjectInfo.Read(fd, request);
        return (KernelObjectInfo.CString(buffer, NameBufferSize), info);
    }

    private static readonly Lazy<BtfHandle?> Vmlinux = new(() =>
    {
        try { return BtfHandle.LoadVmlinux(); }
        catch (BpfException) { return null; }
    });

    private static string VmlinuxTypeName(uint btfId)
    {
        var btf = Vmlinux.Value;
        if (btf is null || btfId == 0)
        {
            return $"btf#{btfId}";
        }
        var type = LibBpfBtfApi.TypeById(btf.Pointer, btfId);
        return type == IntPtr.Zero ? $"btf#{btfId}" : LibBpfObjectApi.Utf8(LibBpfBtfApi.NameByOffset(btf.Pointer, *(uint*)type)) ?? $"btf#{btfId}";
    }
}
