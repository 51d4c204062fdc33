// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>statx(2): the inode of a path (a cgroup v2 directory's inode is its cgroup id).</summary>
internal static unsafe partial class LibCStat
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const uint StatxIno = 0x100;
    private const int InodeOffset = 32, StatxSize = 256; // struct statx: stx_ino is a __u64 at 32, on every architecture

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>The inode number of <paramref name="path"/> (links not followed), or null when it cannot be read.</summary>
    public static ulong? Inode(string path)
    {
        byte* buffer = stackalloc byte[StatxSize];
        return Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxIno, buffer) == 0 ? *(ulong*)(buffer + InodeOffset) : null;
    }
}
