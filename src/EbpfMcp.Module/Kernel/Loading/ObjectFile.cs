using EbpfMcp.Native;
using Microsoft.Win32.SafeHandles;

namespace EbpfMcp.Kernel.Loading;

/// <summary>
/// Reads the BPF object of Install-BpfProgram -Path once, the way the kernel sees the file: the
/// path is resolved to its real path (every link followed), that path is checked against the
/// source policy, then opened one name at a time without following links (so nothing can be
/// swapped in between), only if it is a regular file within the size cap, and read from that
/// descriptor. A FIFO or device is refused before it is opened, so nothing can block or trigger.
/// </summary>
internal static class ObjectFile
{
    public sealed record Contents(string RealPath, byte[] Bytes);

    public static Contents Read(string path, SourcePolicy policy, long maxBytes)
    {
        using var file = OpenRegular(path, "The BPF object file", policy, maxBytes, "ObjectFileNotFound", out var real, out long size);
        return new Contents(real, ReadCapped(file, size, path, maxBytes));
    }

    /// <summary>
    /// Opens a regular file (for reading) as described above; <paramref name="what"/> names it in
    /// messages and <paramref name="notFoundId"/> is the error id when it does not exist.
    /// </summary>
    public static SafeFileHandle OpenRegular(string path, string what, SourcePolicy policy, long maxBytes, string notFoundId, out string real, out long size)
    {
        real = LibCFiles.RealPath(path, out int errno)!;
        if (real is null)
        {
            throw errno is 2 or 20
                ? new BpfException(notFoundId, $"{what} '{path}' does not exist.", 2)
                : BpfException.FromErrno($"resolve '{path}'", errno, errno is 1 or 13 ? "PermissionDenied" : notFoundId);
        }
        policy.CheckFile(real, path);
        var before = LibCFiles.StatNoFollow(real, out errno) ?? throw BpfException.FromErrno($"stat '{real}'", errno, notFoundId);
        CheckKind(before, path, maxBytes);

        var file = OpenWithoutLinks(real, path);
        try
        {
            var opened = LibCFiles.Stat(file);
            if (opened.Inode != before.Inode || opened.DevMajor != before.DevMajor || opened.DevMinor != before.DevMinor)
            {
                throw new BpfException("SourceChanged", $"'{path}' was replaced while it was being opened; nothing was loaded.");
            }
            CheckKind(opened, path, maxBytes);
            size = (long)opened.Size;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static void CheckKind(LibCFiles.Statx stat, string path, long maxBytes)
    {
        if (stat.IsDirectory)
        {
            throw new BpfException("PathIsDirectory", $"'{path}' is a directory, not a file.", 21);
        }
        if (!stat.IsRegular)
        {
            throw new BpfException("NotRegularFile", $"'{path}' is a {stat.TypeName}, not a regular file: only regular files are read (a FIFO or device could block, or act on being opened).");
        }
        if ((long)stat.Size > maxBytes)
        {
            throw TooLarge(path, $"{stat.Size} bytes", maxBytes);
        }
    }

    /// <summary>Opens an absolute, link-free path one component at a time with O_NOFOLLOW.</summary>
    private static SafeFileHandle OpenWithoutLinks(string real, string given)
    {
        var names = real.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var directory = LibCFiles.OpenAt(null, "/", LibCFiles.OPath | LibCFiles.ODirectory);
        try
        {
            for (int i = 0; i < names.Length; i++)
            {
                bool last = i == names.Length - 1;
                var next = LibCFiles.OpenAt(directory, names[i], last
                    ? LibCFiles.ORdOnly | LibCFiles.ONonBlock | LibCFiles.ONoCtty | LibCFiles.ONoFollow
                    : LibCFiles.OPath | LibCFiles.ODirectory | LibCFiles.ONoFollow);
                if (next.IsInvalid)
                {
                    int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                    // ELOOP/ENOTDIR: a link appeared where realpath saw none.
                    throw errno is 40 or 20
                        ? new BpfException("SourceChanged", $"'{given}' changed while it was being opened (a link appeared in '{real}'); nothing was loaded.", errno)
                        : BpfException.FromErrno($"open '{real}'", errno, errno is 1 or 13 ? "PermissionDenied" : errno == 2 ? "ObjectFileNotFound" : "OpenFailed");
                }
                directory.Dispose();
                directory = next;
            }
            return directory;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    private static byte[] ReadCapped(SafeFileHandle file, long size, string path, long maxBytes)
    {
        // The file may still grow while it is read: never read past the cap.
        var buffer = new byte[Math.Min(size + 1, maxBytes + 1)];
        int total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (total > maxBytes)
                {
                    throw TooLarge(path, "more than that", maxBytes);
                }
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
            }
            int n = RandomAccess.Read(file, buffer.AsSpan(total), total);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total == buffer.Length ? buffer : buffer[..total];
    }

    private static BpfException TooLarge(string source, string size, long maxBytes) =>
        new("ObjectTooLarge", $"'{source}' is {size}; the limit is {maxBytes} bytes (-MaxObjectBytes). Nothing was read into memory beyond the limit.");
}
