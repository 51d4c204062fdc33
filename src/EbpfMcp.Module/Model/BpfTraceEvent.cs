namespace EbpfMcp.Model;

/// <summary>
/// Who caused a traced event, the same on every event type: the process (by its thread-group
/// leader's name, what ps shows), the thread, the parent, the user, and the cgroup and container.
/// </summary>
public abstract class BpfTraceEvent
{
    public DateTimeOffset Timestamp { get; internal set; }
    /// <summary>The process's name (its thread-group leader's comm, 15 characters).</summary>
    public string ProcessName { get; internal set; } = "";
    /// <summary>The process id (thread group id).</summary>
    public int ProcessId { get; internal set; }
    public int ThreadId { get; internal set; }
    /// <summary>The name of the thread that ran (a worker thread's own name).</summary>
    public string ThreadName { get; internal set; } = "";
    public int ParentProcessId { get; internal set; }
    public string ParentProcessName { get; internal set; } = "";
    public uint UserId { get; internal set; }
    /// <summary>The cgroup v2 id.</summary>
    public ulong CgroupId { get; internal set; }
    /// <summary>The cgroup's path, e.g. "/system.slice/nginx.service"; null when it is gone.</summary>
    public string? CgroupPath { get; internal set; }
    /// <summary>The container (docker, containerd, CRI-O, podman, kubepods) the process runs in; null outside containers.</summary>
    public string? ContainerId { get; internal set; }
}
