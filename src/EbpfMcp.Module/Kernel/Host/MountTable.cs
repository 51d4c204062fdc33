using System.Collections.Frozen;
using EbpfMcp.Native;
using Microsoft.Win32.SafeHandles;

namespace EbpfMcp.Kernel.Host;

/// <summary>
/// Reads /proc/self/mounts: where bpffs, tracefs and cgroup2 are mounted. The table is read again
/// only when the kernel says it changed: an open /proc/self/mounts reports a priority event to
/// poll(2) after every mount or unmount (proc(5)). Reading and parsing it cost ~30 µs, a third of
/// Get-BpfKernelInfo's CPU time; the poll costs a system call.
/// </summary>
internal static class MountTable
{
    /// <summary>One read of the table: mount points in table order, and every file system type.</summary>
    private sealed record Snapshot((string Type, string MountPoint)[] Mounts, FrozenSet<string> Types);

    private static readonly object Gate = new();
    private static SafeFileHandle? watch;
    private static Snapshot? current;

    public static IEnumerable<string> MountPoints(string fsType) =>
        Current().Mounts.Where(m => m.Type == fsType).Select(m => m.MountPoint);

    public static bool IsMounted(string fsType) => Current().Types.Contains(fsType);

    /// <summary>The types of every file system mounted.</summary>
    public static IReadOnlySet<string> FileSystemTypes() => Current().Types;

    private static Snapshot Current()
    {
        lock (Gate)
        {
            if (current is null || Changed())
            {
                current = Read();
            }
            return current;
        }
    }

    /// <summary>Whether the table changed since the last look (or cannot be watched: then always).</summary>
    private static bool Changed()
    {
        if (watch is null || watch.IsInvalid)
        {
            return true;
        }
        var fd = new LibCPoll.PollFd { Fd = (int)watch.DangerousGetHandle(), Events = LibCPoll.PollPri };
        // 1: it changed (POLLPRI | POLLERR); -1: it cannot tell, so read again.
        return LibCPoll.Poll(ref fd, 1, 0) != 0;
    }

    private static Snapshot Read()
    {
        // Opened before the read: a change after this point is reported by the next poll.
        if (watch is null)
        {
            try
            {
                watch = File.OpenHandle("/proc/self/mounts");
            }
            catch (IOException)
            {
                watch = new SafeFileHandle();
            }
        }
        string text;
        try
        {
            text = File.ReadAllText("/proc/self/mounts");
        }
        catch (IOException)
        {
            return new Snapshot([], FrozenSet<string>.Empty);
        }
        var mounts = new List<(string, string)>();
        Span<Range> fields = stackalloc Range[4];
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            // device mountpoint type options ...
            if (line.Split(fields, ' ') < 3)
            {
                continue;
            }
            // Mount points escape spaces as \040.
            mounts.Add((line[fields[2]].ToString(), line[fields[1]].ToString().Replace("\\040", " ")));
        }
        return new Snapshot([.. mounts], mounts.Select(m => m.Item1).ToFrozenSet(StringComparer.Ordinal));
    }
}
