// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>mount(2), for mounting a kernel filesystem inside a thread's private mount namespace.</summary>
internal static partial class LibCMount
{
    public const ulong MsRec = 0x4000, MsPrivate = 1 << 18;

    [LibraryImport("libc", EntryPoint = "mount", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Mount(string? source, string target, string? fsType, ulong flags, IntPtr data);
}
