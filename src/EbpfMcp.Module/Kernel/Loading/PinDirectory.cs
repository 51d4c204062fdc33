using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Host;
using EbpfMcp.Native;
using Microsoft.Win32.SafeHandles;

namespace EbpfMcp.Kernel.Loading;

/// <summary>
/// The -PinPath directory, reached without trusting anyone else's files. bpffs is usually mode
/// 1777 and the kernel follows links when it pins, so another user could create a directory on the
/// way in advance, or plant a link. Each directory below the bpffs mount is opened one name at a
/// time without following links; the ones that exist must belong to this user and be writable by
/// no one else; the missing ones are created 0700. Pins are then made and removed relative to the
/// open directory (through /proc/self/fd), never through a path that could be redirected.
/// </summary>
internal sealed class PinDirectory : IDisposable
{
    private readonly SafeFileHandle directory;
    private readonly string mountPoint;
    private readonly List<string> created; // absolute paths, deepest first
    private readonly List<string> pinned = [];

    private PinDirectory(string path, string mountPoint, SafeFileHandle directory, List<string> created)
    {
        Path = path;
        this.mountPoint = mountPoint;
        this.directory = directory;
        this.created = created;
    }

    public string Path { get; }

    /// <summary>Opens (creating what is missing) an absolute directory on a mounted bpffs.</summary>
    public static PinDirectory Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path).TrimEnd('/');
        var mounts = MountTable.MountPoints("bpf").Select(m => m.TrimEnd('/')).ToList();
        var mount = mounts.Where(m => full == m || full.StartsWith(m + "/", StringComparison.Ordinal)).MaxBy(m => m.Length)
            ?? throw new BpfException("PinPathNotOnBpffs", $"-PinPath '{path}' is not inside a mounted bpffs ({(mounts.Count == 0 ? "none is mounted: mount -t bpf bpf /sys/fs/bpf" : string.Join(", ", mounts))}).");
        var created = new List<string>();
        var handle = Walk(mount, full, create: true, created);
        return new PinDirectory(full, mount, handle, created);
    }

    /// <summary>Pins one object under <paramref name="name"/> with libbpf's pin call for its kind.</summary>
    public void Pin(string name, Func<string, int> pin)
    {
        if (name.Length == 0 || name.Length > 255 || name.Contains('/') || name is "." or "..")
        {
            throw new BpfException("PinFailed", $"Cannot pin an object named '{name}': a pin name must be one path component.");
        }
        int rc = pin($"/proc/self/fd/{directory.DangerousGetHandle()}/{name}");
        if (rc != 0)
        {
            throw BpfException.FromErrno($"pin '{Path}/{name}'", LibBpfSyscallApi.Errno(rc), "PinFailed");
        }
        pinned.Add(name);
    }

    /// <summary>Removes the pins and the directories this created, deepest first.</summary>
    public void Dispose()
    {
        foreach (var name in pinned)
        {
            LibCFiles.UnlinkAt(directory, name, 0);
        }
        directory.Dispose();
        foreach (var dir in created)
        {
            try
            {
                using var parent = Walk(mountPoint, System.IO.Path.GetDirectoryName(dir)!, create: false, null);
                LibCFiles.UnlinkAt(parent, System.IO.Path.GetFileName(dir), LibCFiles.AtRemoveDir);
            }
            catch (BpfException)
            {
                // Something changed the tree meanwhile: leave it rather than follow it.
            }
        }
    }

    private static SafeFileHandle Walk(string mount, string full, bool create, List<string>? created)
    {
        var current = LibCFiles.OpenAt(null, mount, LibCFiles.OPath | LibCFiles.ODirectory);
        try
        {
            CheckTrusted(current, mount, isMountRoot: true);
            var path = mount;
            foreach (var name in full[mount.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                path += "/" + name;
                var next = OpenChild(current, name);
                if (next.IsInvalid && Marshal.GetLastPInvokeError() == 2 && create)
                {
                    if (LibCFiles.MkdirAt(current, name, 0x1C0 /* 0700 */) == 0)
                    {
                        created!.Insert(0, path);
                    }
                    next = OpenChild(current, name);
                }
                if (next.IsInvalid)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    throw errno is 40 or 20
                        ? new BpfException("PinPathUnsafe", $"'{path}' is a link or not a directory: pin paths are never followed through links.", errno)
                        : BpfException.FromErrno($"open pin directory '{path}'", errno, "PinFailed");
                }
                current.Dispose();
                current = next;
                CheckTrusted(current, path, isMountRoot: false);
            }
            return current;
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    private static SafeFileHandle OpenChild(SafeFileHandle parent, string name) =>
        LibCFiles.OpenAt(parent, name, LibCFiles.OPath | LibCFiles.ODirectory | LibCFiles.ONoFollow);

    /// <summary>
    /// A directory whose entries someone else could change is no place for pins: it must be ours and
    /// writable only by us (the bpffs root may be world-writable when it is sticky and root's).
    /// </summary>
    private static void CheckTrusted(SafeFileHandle directory, string path, bool isMountRoot)
    {
        var stat = LibCFiles.Stat(directory);
        uint me = LibCFiles.GetEuid();
        bool sticky = (stat.Mode & 0x200) != 0;
        bool othersWrite = (stat.Mode & 0x12) != 0; // group or other may write
        if (isMountRoot ? stat.Uid != 0 && stat.Uid != me : stat.Uid != me)
        {
            throw new BpfException("PinPathUnsafe", $"'{path}' belongs to uid {stat.Uid}, not to this user (uid {me}): another user could redirect pins made there.");
        }
        if (othersWrite && !(isMountRoot && sticky))
        {
            throw new BpfException("PinPathUnsafe", $"'{path}' is writable by other users (mode {Convert.ToString(stat.Mode & 0xFFF, 8)}): another user could redirect pins made there.");
        }
    }
}
