using System.Collections.Concurrent;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Host;

/// <summary>
/// Turns cgroup v2 ids (what bpf_get_current_cgroup_id() reports: the inode of the cgroup's
/// directory) into paths such as "/system.slice/nginx.service", and names the container a cgroup
/// belongs to. The hierarchy is walked once and again only when an unknown id shows up (at most
/// once a second), so resolving is a dictionary lookup on the hot path.
/// </summary>
internal static partial class CgroupPaths
{
    private static readonly ConcurrentDictionary<ulong, string> Known = new();
    private static readonly object ScanGate = new();
    private static long lastScanTicks;

    /// <summary>The cgroup's path below the cgroup2 mount ("/" for the root), or null when it is gone or unknown.</summary>
    public static string? PathOf(ulong cgroupId)
    {
        if (cgroupId == 0)
        {
            return null;
        }
        if (Known.TryGetValue(cgroupId, out var path))
        {
            return path;
        }
        lock (ScanGate)
        {
            if (!Known.ContainsKey(cgroupId) && Environment.TickCount64 - lastScanTicks >= 1000)
            {
                Scan();
                lastScanTicks = Environment.TickCount64;
            }
        }
        return Known.GetValueOrDefault(cgroupId);
    }

    private static void Scan()
    {
        var root = MountTable.MountPoints("cgroup2").FirstOrDefault();
        if (root is null)
        {
            return;
        }
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            if (LibCStat.Inode(directory) is { } inode)
            {
                var relative = directory.Length == root.Length ? "/" : directory[root.TrimEnd('/').Length..];
                Known[inode] = relative;
            }
            try
            {
                foreach (var child in Directory.EnumerateDirectories(directory))
                {
                    pending.Push(child);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A cgroup removed while walking, or not ours to read: skip it.
            }
        }
    }

    /// <summary>
    /// The container a cgroup path belongs to (the 64-hex id docker, containerd, CRI-O and podman
    /// give it, inside or outside kubepods), or null for a cgroup outside containers.
    /// </summary>
    public static string? ContainerIdOf(string? path)
    {
        if (path is null)
        {
            return null;
        }
        string? found = null;
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = ContainerSegment().Match(segment);
            if (match.Success)
            {
                found = match.Groups["id"].Value; // the innermost container wins
            }
        }
        return found;
    }

    // systemd driver: docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope, libpod-<id>.scope;
    // cgroupfs driver: /docker/<id>, /kubepods/<qos>/pod<uid>/<id>. conmon scopes are not containers.
    [System.Text.RegularExpressions.GeneratedRegex("^(?:(?:docker|cri-containerd|crio|libpod)-)?(?<id>[0-9a-f]{64})(?:\\.scope)?$")]
    private static partial System.Text.RegularExpressions.Regex ContainerSegment();
}
