// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>
/// struct bpf_link_info from linux/bpf.h. The union after the header differs per link type and
/// grows with kernels (perf_event details arrived in 6.6), so it is kept as bytes and read by the
/// offsets in <see cref="BpfLinkInfoOffsets"/>.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal unsafe struct BpfLinkInfo
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public uint Id;
    [FieldOffset(8)] public uint ProgramId;
    [FieldOffset(16)] public fixed byte Union[112];

    public ulong U64(int offset)
    {
        fixed (byte* p = Union) { return *(ulong*)(p + offset - 16); }
    }

    public uint U32(int offset)
    {
        fixed (byte* p = Union) { return *(uint*)(p + offset - 16); }
    }

    public void SetU64(int offset, ulong value)
    {
        fixed (byte* p = Union) { *(ulong*)(p + offset - 16) = value; }
    }

    public void SetU32(int offset, uint value)
    {
        fixed (byte* p = Union) { *(uint*)(p + offset - 16) = value; }
    }
}

/// <summary>Byte offsets of union members inside struct bpf_link_info (from its start).</summary>
internal static class BpfLinkInfoOffsets
{
    // raw_tracepoint / iter: { __u64 name; __u32 name_len; }
    public const int NamePointer = 16, NameLength = 24;
    // tracing: { attach_type; target_obj_id; target_btf_id; }
    public const int TracingAttachType = 16, TracingTargetObjectId = 20, TracingTargetBtfId = 24;
    // cgroup: { __u64 cgroup_id; __u32 attach_type; }
    public const int CgroupId = 16, CgroupAttachType = 24;
    // netns: { netns_ino; attach_type; }
    public const int NetnsIno = 16, NetnsAttachType = 20;
    // xdp / tcx / netkit: { ifindex; attach_type; }
    public const int IfIndex = 16, IfAttachType = 20;
    // perf_event: { __u32 type; __u32 pad; union { uprobe, kprobe, tracepoint, event } }
    public const int PerfEventType = 16, PerfName = 24, PerfNameLength = 32, PerfOffset = 36, PerfEventConfig = 24, PerfEventKind = 32;
}

internal enum BpfLinkType : uint
{
    Unspecified = 0, RawTracepoint = 1, Tracing = 2, Cgroup = 3, Iter = 4, Netns = 5, Xdp = 6,
    PerfEvent = 7, KprobeMulti = 8, StructOps = 9, Netfilter = 10, Tcx = 11, UprobeMulti = 12, Netkit = 13, Sockmap = 14,
}

internal enum BpfPerfEventType : uint
{
    Unspecified = 0, Uprobe = 1, Uretprobe = 2, Kprobe = 3, Kretprobe = 4, Tracepoint = 5, Event = 6,
}
