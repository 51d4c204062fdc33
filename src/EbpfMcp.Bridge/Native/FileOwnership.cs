using System.Runtime.InteropServices;

namespace EbpfMcp.Bridge.Native;

/// <summary>
/// Who owns a path and what it is, without following a link at its end (statx with
/// AT_SYMLINK_NOFOLLOW): what .NET's file APIs cannot tell, and what deciding whether a directory
/// can be trusted with a secret needs.
/// </summary>
internal static unsafe partial class FileOwnership
{
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Statx
    {
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(28)] public ushort Mode;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int StatxRaw(int dirFd, string path, int flags, uint mask, Statx* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint EffectiveUserId();

    public sealed record Facts(uint Owner, UnixFileMode Mode, bool IsDirectory, bool IsLink);

    /// <summary>The path's own owner, permission bits and type; null when it does not exist.</summary>
    public static Facts? Of(string path)
    {
        Statx stat;
        if (StatxRaw(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, &stat) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno == 2 ? null : throw new IOException($"Cannot examine '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.");
        }
        uint type = stat.Mode & 0xF000u;
        return new Facts(stat.Uid, (UnixFileMode)(stat.Mode & 0xFFF), type == 0x4000, type == 0xA000);
    }
}
