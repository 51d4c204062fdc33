using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp.Model;

/// <summary>
/// Who caused a traced event, the same on every event type: the process (by its thread-group
/// leader's name, what ps shows), the thread, the parent, the user, and the cgroup and container.
/// </summary>
/// <remarks>
/// Those facts live in one <see cref="EventOrigin"/> shared by every event of the same thread in
/// the same state (a storm's million events name the same few threads): an event carries its time,
/// its own fields and a reference, not ten copies of who caused it.
/// </remarks>
public abstract class BpfTraceEvent
{
    internal EventOrigin Origin { get; set; } = EventOrigin.Unknown;

    public DateTimeOffset Timestamp { get; internal set; }
    /// <summary>The process's name (its thread-group leader's comm, 15 characters).</summary>
    public string ProcessName => Origin.ProcessName;
    /// <summary>The process id (thread group id).</summary>
    public int ProcessId => Origin.ProcessId;
    public int ThreadId => Origin.ThreadId;
    /// <summary>The name of the thread that ran (a worker thread's own name).</summary>
    public string ThreadName => Origin.ThreadName;
    public int ParentProcessId => Origin.ParentProcessId;
    public string ParentProcessName => Origin.ParentProcessName;
    public uint UserId => Origin.UserId;
    /// <summary>The cgroup v2 id.</summary>
    public ulong CgroupId => Origin.CgroupId;
    /// <summary>The cgroup's path, e.g. "/system.slice/nginx.service"; null when it is gone.</summary>
    public string? CgroupPath => Origin.CgroupPath;
    /// <summary>The container (docker, containerd, CRI-O, podman, kubepods) the process runs in; null outside containers.</summary>
    public string? ContainerId => Origin.ContainerId;
}
