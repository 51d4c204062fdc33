// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EbpfMcp.Native;

/// <summary>
/// File-system calls that must not be fooled by links or special files: realpath, openat one name
/// at a time (O_NOFOLLOW), statx of an open descriptor, mkdirat and unlinkat relative to a
/// directory descriptor. Flag values that differ between x86_64 and arm64 are chosen at run time.
/// </summary>
internal static unsafe partial class LibCFiles
{
    public const int ORdOnly = 0, OWrOnly = 1, OCreat = 0x40, OExcl = 0x80, ONoCtty = 0x100, ONonBlock = 0x800, OCloExec = 0x80000, OPath = 0x200000;
    public const int AtFdCwd = -100, AtRemoveDir = 0x200, AtEmptyPath = 0x1000, AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int PathMax = 4096;

    // x86 and asm-generic (arm, arm64, ...) disagree on these two.
    private static readonly bool GenericFlags = RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.X86);
    public static int ODirectory => GenericFlags ? 0x4000 : 0x10000;
    public static int ONoFollow => GenericFlags ? 0x8000 : 0x20000;

    public const uint ModeTypeMask = 0xF000, ModeRegular = 0x8000, ModeDirectory = 0x4000, ModeLink = 0xA000;

    /// <summary>The fields of struct statx the module needs (the kernel fills a 256-byte struct).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct Statx
    {
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;

        public readonly uint Type => Mode & ModeTypeMask;
        public readonly bool IsRegular => Type == ModeRegular;
        public readonly bool IsDirectory => Type == ModeDirectory;
        public readonly bool IsLink => Type == ModeLink;

        /// <summary>"regular file", "FIFO", "character device", ... for messages.</summary>
        public readonly string TypeName => Type switch
        {
            ModeRegular => "regular file",
            ModeDirectory => "directory",
            ModeLink => "symbolic link",
            0x1000 => "FIFO",
            0x2000 => "character device",
            0x6000 => "block device",
            0xC000 => "socket",
            _ => "special file",
        };
    }

    /// <summary>opendir(3); 0 when the directory cannot be opened (gone, or closed to us).</summary>
    [LibraryImport("libc", EntryPoint = "opendir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint OpenDir(string path);

    /// <summary>readdir(3): the next struct dirent, or 0 at the end. Its name starts at <see cref="DirentNameOffset"/>.</summary>
    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    public static partial nint ReadDir(nint directory);

    [LibraryImport("libc", EntryPoint = "closedir")]
    public static partial int CloseDir(nint directory);

    /// <summary>d_name in glibc's and musl's struct dirent on 64-bit: after d_ino, d_off (8 each), d_reclen (2), d_type (1).</summary>
    public const int DirentNameOffset = 19;

    /// <summary>readlink(2): the target's bytes in <paramref name="buffer"/> (not terminated), their count, or -1.</summary>
    [LibraryImport("libc", EntryPoint = "readlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint ReadLink(string path, byte* buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "openat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenAtRaw(int dirFd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatxRaw(int dirFd, string path, int flags, uint mask, Statx* buffer);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial IntPtr RealPathRaw(string path, byte* resolved);

    [LibraryImport("libc", EntryPoint = "mkdirat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int MkdirAt(SafeFileHandle dirFd, string name, uint mode);

    [LibraryImport("libc", EntryPoint = "unlinkat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int UnlinkAt(SafeFileHandle dirFd, string name, int flags);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    /// <summary>openat(2); the descriptor is owned by the returned handle (invalid on failure, errno set).</summary>
    public static SafeFileHandle OpenAt(SafeFileHandle? dirFd, string path, int flags, uint mode = 0)
    {
        bool added = false;
        try
        {
            dirFd?.DangerousAddRef(ref added);
            int fd = OpenAtRaw(dirFd is null ? AtFdCwd : (int)dirFd.DangerousGetHandle(), path, flags | OCloExec, mode);
            return new SafeFileHandle(fd, ownsHandle: true);
        }
        finally
        {
            if (added)
            {
                dirFd!.DangerousRelease();
            }
        }
    }

    /// <summary>fstat through statx(fd, "", AT_EMPTY_PATH): the facts of the file actually opened.</summary>
    public static Statx Stat(SafeFileHandle fd)
    {
        Statx result;
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            if (StatxRaw((int)fd.DangerousGetHandle(), "", AtEmptyPath, StatxBasicStats, &result) != 0)
            {
                throw BpfException.FromErrno("statx", Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
        return result;
    }

    /// <summary>lstat of a path (links not followed); null with errno when it does not exist.</summary>
    public static Statx? StatNoFollow(string path, out int errno)
    {
        Statx result;
        if (StatxRaw(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, &result) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        return result;
    }

    /// <summary>realpath(3): the absolute path with every symbolic link, "." and ".." resolved; null with errno on failure.</summary>
    public static string? RealPath(string path, out int errno)
    {
        byte* buffer = stackalloc byte[PathMax];
        var p = RealPathRaw(path, buffer);
        errno = p == IntPtr.Zero ? Marshal.GetLastPInvokeError() : 0;
        return p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
    }
}
