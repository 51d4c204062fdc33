// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>The few C library calls the eBPF layer needs beside libbpf.</summary>
internal static unsafe partial class LibC
{
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint InterfaceIndex(string name);

    [LibraryImport("libc", EntryPoint = "if_indextoname")]
    public static partial IntPtr InterfaceName(uint index, byte* buffer);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, void* a1, int a2, int a3, int a4, ulong a5);

    /// <summary>syscall(2) shaped for bpf(cmd, attr, size).</summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall3(long number, long a1, void* a2, long a3);

    public const int ORdOnly = 0, ODirectory = 0x10000, OCloExec = 0x80000;

    /// <summary>"eth0" for an interface index, null when it has gone.</summary>
    public static string? InterfaceNameOf(uint index)
    {
        byte* buffer = stackalloc byte[16];
        var p = InterfaceName(index, buffer);
        return p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
    }
}

/// <summary>Clocks: the kernel stamps program load times in CLOCK_BOOTTIME nanoseconds.</summary>
internal static unsafe partial class LibCClock
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private const int ClockBoottime = 7;

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, TimeSpec* ts);

    public static ulong BoottimeNs()
    {
        TimeSpec ts;
        ClockGetTime(ClockBoottime, &ts);
        return (ulong)ts.Seconds * 1_000_000_000UL + (ulong)ts.Nanoseconds;
    }

    /// <summary>
    /// The wall clock (UTC) and CLOCK_BOOTTIME read back to back, as a pair for converting stamps.
    /// UTC first: the local time zone is looked up afterwards, since its first lookup in a process
    /// reads the time-zone files (milliseconds on a cold machine) and would skew the pair.
    /// </summary>
    public static (DateTime Utc, ulong BoottimeNs) Anchor()
    {
        var utc = DateTime.UtcNow;
        return (utc, BoottimeNs());
    }

    /// <summary>Wall-clock time (local offset) of a CLOCK_BOOTTIME stamp.</summary>
    public static DateTimeOffset FromBoottime(ulong stampNs)
    {
        var (utc, boottime) = Anchor();
        return new DateTimeOffset(utc.AddTicks(-(long)(boottime - stampNs) / 100)).ToLocalTime();
    }
}

internal static partial class LibCDup
{
    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    public static partial int Dup(int fd);
}

internal static partial class LibCNamespaces
{
    public const int CloneNewNet = 0x40000000, CloneNewNs = 0x00020000;

    /// <summary>unshare(2): moves only the calling thread into new namespaces.</summary>
    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);
}

internal static partial class LibCPoll
{
    public const short PollPri = 0x002;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>poll(2) on one descriptor.</summary>
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(ref PollFd fd, nuint count, int timeoutMs);
}
