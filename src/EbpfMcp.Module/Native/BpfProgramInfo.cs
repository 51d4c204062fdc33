// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>
/// struct bpf_prog_info from linux/bpf.h, up to attach_btf_id (kernel 5.16+). The kernel copies
/// min(its size, ours); fields a kernel does not know stay zero. Offsets are checked by a test
/// against the C header.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 232)]
internal unsafe struct BpfProgramInfo
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public uint Id;
    [FieldOffset(8)] public fixed byte Tag[8];
    [FieldOffset(16)] public uint JitedProgramLength;
    [FieldOffset(20)] public uint TranslatedProgramLength;
    [FieldOffset(40)] public ulong LoadTime;
    [FieldOffset(48)] public uint CreatedByUid;
    [FieldOffset(52)] public uint MapIdCount;
    [FieldOffset(56)] public ulong MapIds;
    [FieldOffset(64)] public fixed byte Name[16];
    [FieldOffset(80)] public uint IfIndex;
    [FieldOffset(84)] public uint Flags; // bit 0: gpl_compatible
    [FieldOffset(128)] public uint BtfId;
    [FieldOffset(192)] public ulong RunTimeNs;
    [FieldOffset(200)] public ulong RunCount;
    [FieldOffset(208)] public ulong RecursionMisses;
    [FieldOffset(216)] public uint VerifiedInstructions;
    [FieldOffset(220)] public uint AttachBtfObjectId;
    [FieldOffset(224)] public uint AttachBtfId;
}
