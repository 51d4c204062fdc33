using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Host;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Inventory;

/// <summary>
/// Turns what the kernel reports about an attachment (tracepoint names, cgroup ids, interface
/// indexes, perf event types) into the strings users read: "tracepoint:syscalls:sys_enter_getpid",
/// "cgroup:/sys/fs/cgroup/x (egress)", "xdp:eth0".
/// </summary>
internal sealed unsafe partial class AttachPointNames
{
    /// <summary>
    /// Event name → category, for the whole process: reading tracefs's ~2,000 event directories was
    /// a tenth of a Get-BpfHook call. An event keeps its category; one not known yet (a module loaded
    /// since) makes the next lookup read tracefs again, at most once per <see cref="RereadAfter"/>.
    /// </summary>
    private static volatile TracepointCategories? categories;
    private static readonly TimeSpan RereadAfter = TimeSpan.FromSeconds(5);

    private sealed record TracepointCategories(Dictionary<string, string> ByEvent, long ReadAt);

    private Dictionary<ulong, string>? cgroupPaths;

    public string Tracepoint(string name)
    {
        var known = categories;
        if (known is null || (!known.ByEvent.ContainsKey(name) && Environment.TickCount64 - known.ReadAt > RereadAfter.TotalMilliseconds))
        {
            categories = known = new TracepointCategories(ReadTracepointCategories(), Environment.TickCount64);
        }
        // The kernel reports just the event name; tracefs tells which category holds it.
        return known.ByEvent.TryGetValue(name, out var category) ? $"tracepoint:{category}:{name}" : $"tracepoint:{name}";
    }

    public string Cgroup(ulong cgroupId, uint attachType)
    {
        cgroupPaths ??= ReadCgroupPaths();
        var path = cgroupPaths.TryGetValue(cgroupId, out var p) ? p : $"id {cgroupId}";
        return $"cgroup:{path} ({ShortAttachType(attachType)})";
    }

    public static string Interface(uint ifindex) => LibC.InterfaceNameOf(ifindex) ?? $"ifindex {ifindex}";

    /// <summary>"egress" for cgroup_inet_egress, "ingress" for tcx_ingress; libbpf's name otherwise.</summary>
    public static string ShortAttachType(uint attachType)
    {
        var name = KernelTypeNames.Attach(attachType);
        foreach (var prefix in (string[])["cgroup_inet_", "tcx_", "netkit_"])
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return name[prefix.Length..];
            }
        }
        return name;
    }

    /// <summary>perf_event_attr type/config pairs as perf names them: "software:cpu-clock".</summary>
    public static string PerfEvent(uint type, ulong config)
    {
        string[] software = ["cpu-clock", "task-clock", "page-faults", "context-switches", "cpu-migrations", "minor-faults", "major-faults", "alignment-faults", "emulation-faults", "dummy", "bpf-output", "cgroup-switches"];
        string[] hardware = ["cpu-cycles", "instructions", "cache-references", "cache-misses", "branch-instructions", "branch-misses", "bus-cycles", "stalled-cycles-frontend", "stalled-cycles-backend", "ref-cycles"];
        return type switch
        {
            0 when config < (ulong)hardware.Length => $"perf_event:hardware:{hardware[config]}",
            1 when config < (ulong)software.Length => $"perf_event:software:{software[config]}",
            _ => $"perf_event:type={type},config=0x{config:x}",
        };
    }

    private static Dictionary<string, string> ReadTracepointCategories()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var root = TracefsEventsDirectory();
        if (root is null)
        {
            return map;
        }
        foreach (var category in Directory.EnumerateDirectories(root))
        {
            foreach (var evt in Directory.EnumerateDirectories(category))
            {
                map.TryAdd(Path.GetFileName(evt), Path.GetFileName(category));
            }
        }
        return map;
    }

    public static string? TracefsEventsDirectory()
    {
        foreach (var dir in (string[])["/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"])
        {
            if (Directory.Exists(dir))
            {
                return dir;
            }
        }
        return null;
    }

    private static Dictionary<ulong, string> ReadCgroupPaths()
    {
        // On cgroup v2 a cgroup's id is the inode number of its directory.
        var map = new Dictionary<ulong, string>();
        foreach (var mount in MountTable.MountPoints("cgroup2"))
        {
            var pending = new Stack<string>();
            pending.Push(mount);
            while (pending.Count > 0 && map.Count < 100_000)
            {
                var dir = pending.Pop();
                if (Inode(dir) is ulong ino)
                {
                    map.TryAdd(ino, dir);
                }
                try
                {
                    foreach (var child in Directory.EnumerateDirectories(dir))
                    {
                        pending.Push(child);
                    }
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
        return map;
    }

    // struct stat starts with st_dev then st_ino (8 bytes each) on x86_64 and arm64 alike.
    private static ulong? Inode(string path)
    {
        byte* buffer = stackalloc byte[256];
        return Stat(path, buffer) == 0 ? *(ulong*)(buffer + 8) : null;
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, byte* buffer);
}
