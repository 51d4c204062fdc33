// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>perf_event_open(2), which has no C library wrapper.</summary>
internal static unsafe class PerfEventOpen
{
    private const long SyscallNumberX64 = 298, SyscallNumberArm64 = 241;
    private const uint TypeSoftware = 1, ConfigCpuClock = 0;
    private const ulong FlagFreq = 1UL << 10;
    private const int FlagFdCloexec = 1 << 3;

    /// <summary>struct perf_event_attr up to config2 (PERF_ATTR_SIZE_VER1, 72 bytes): all the kernel needs here.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    private struct Attr
    {
        [FieldOffset(0)] public uint Type;
        [FieldOffset(4)] public uint Size;
        [FieldOffset(8)] public ulong Config;
        [FieldOffset(16)] public ulong SampleFrequency;
        [FieldOffset(40)] public ulong Flags;
    }

    /// <summary>A sampling cpu-clock event on one CPU (all processes); returns the fd.</summary>
    public static int SoftwareCpuClock(int cpu, int frequency)
    {
        var attr = new Attr { Type = TypeSoftware, Size = 72, Config = ConfigCpuClock, SampleFrequency = (ulong)frequency, Flags = FlagFreq };
        long nr = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? SyscallNumberArm64 : SyscallNumberX64;
        long fd = LibC.Syscall(nr, &attr, -1, cpu, -1, FlagFdCloexec);
        if (fd < 0)
        {
            throw BpfException.FromErrno($"perf_event_open(cpu-clock, cpu {cpu})", Marshal.GetLastPInvokeError(), "PerfEventUnavailable");
        }
        return (int)fd;
    }
}
