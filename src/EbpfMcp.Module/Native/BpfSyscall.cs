// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>
/// The raw bpf(2) system call, for the one job libbpf 1.1 does not do right on newer kernels:
/// probing helpers. libbpf reads only "invalid func"/"unknown func" as "unsupported"; kernels since
/// 6.x say "program of this type cannot use helper", which libbpf then reports as supported.
/// </summary>
internal static unsafe class BpfSyscall
{
    private const int BpfProgLoad = 5;
    private const long SyscallX64 = 321, SyscallArm64 = 280;

    /// <summary>Loads call helper; r0 = 0; exit. Returns true/false by the verifier's verdict, null if the load could not tell.</summary>
    public static bool? HelperAllowed(int programType, int helperId)
    {
        // mov r1..r5, 0; call helperId; mov r0, 0; exit
        var insns = new ulong[9];
        for (int reg = 1; reg <= 5; reg++)
        {
            insns[reg - 1] = Instruction(0xb7, (byte)reg, 0);
        }
        insns[5] = Instruction(0x85, 0, helperId);
        insns[6] = Instruction(0xb7, 0, 0);
        insns[7] = Instruction(0x95, 0, 0);
        const int logSize = 8192;
        byte* log = stackalloc byte[logSize];
        log[0] = 0;
        var license = "GPL\0"u8;
        fixed (ulong* code = insns)
        fixed (byte* gpl = license)
        {
            byte* attr = stackalloc byte[128];
            new Span<byte>(attr, 128).Clear();
            *(uint*)(attr + 0) = (uint)programType;
            *(uint*)(attr + 4) = 8;                 // insn_cnt
            *(ulong*)(attr + 8) = (ulong)code;     // insns
            *(ulong*)(attr + 16) = (ulong)gpl;     // license
            *(uint*)(attr + 24) = 1;                // log_level
            *(uint*)(attr + 28) = logSize;          // log_size
            *(ulong*)(attr + 32) = (ulong)log;     // log_buf
            long nr = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? SyscallArm64 : SyscallX64;
            long fd = LibC.Syscall3(nr, BpfProgLoad, attr, 128);
            if (fd >= 0)
            {
                LibC.Close((int)fd);
                return true;
            }
        }
        var text = Marshal.PtrToStringUTF8((IntPtr)log) ?? "";
        if (text.Contains("invalid func", StringComparison.Ordinal) || text.Contains("unknown func", StringComparison.Ordinal)
            || text.Contains("cannot use helper", StringComparison.Ordinal) || text.Contains("not supported", StringComparison.Ordinal))
        {
            return false;
        }
        // The verifier got past the call and complained about something else (arguments): the helper is allowed.
        return text.Length > 0 ? true : null;
    }

    private static ulong Instruction(byte code, byte dst, int imm) => code | ((ulong)(dst & 0xf) << 8) | ((ulong)(uint)imm << 32);
}
