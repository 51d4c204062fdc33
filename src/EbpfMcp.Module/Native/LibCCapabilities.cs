// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>capget(2): the calling thread's capability sets, in one system call.</summary>
internal static unsafe partial class LibCCapabilities
{
    // _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set (capabilities 0-63).
    private const uint Version3 = 0x20080522;

    [StructLayout(LayoutKind.Sequential)]
    private struct Header
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Data
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static partial int CapGet(Header* header, Data* data);

    /// <summary>
    /// The effective set of the calling thread (capabilities are per thread on Linux; pid 0 means
    /// the caller), or null when the kernel refuses the call.
    /// </summary>
    public static ulong? EffectiveOfCallingThread()
    {
        var header = new Header { Version = Version3, Pid = 0 };
        Data* data = stackalloc Data[2];
        return CapGet(&header, data) == 0 ? data[0].Effective | ((ulong)data[1].Effective << 32) : null;
    }
}
