using EbpfMcp.Kernel.Host;
using EbpfMcp.Model;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Fills the event context of decoded events: names shared through <see cref="CommNames"/>, times
/// through one <see cref="BoottimeClock"/> anchor, cgroup paths and container ids cached per cgroup.
/// One per trace; used by the thread that reads the trace's ring buffer.
/// </summary>
internal sealed unsafe class EventContextDecoder
{
    private readonly CommNames names = new();
    private readonly BoottimeClock clock = BoottimeClock.Now();
    private readonly Dictionary<ulong, (string? Path, string? Container)> cgroups = [];

    public CommNames Names => names;

    /// <summary>Text fields of the tracer's own records that repeat (paths): decoded once each.</summary>
    public RepeatedStrings Strings { get; } = new();

    public DateTimeOffset Time(ulong boottimeNs) => clock.ToWallClock(boottimeNs);

    public void Apply(EventContextRecord c, BpfTraceEvent e)
    {
        e.Timestamp = clock.ToWallClock(c.timestamp_ns);
        e.ProcessId = (int)c.pid;
        e.ThreadId = (int)c.tid;
        e.ParentProcessId = (int)c.ppid;
        e.UserId = c.uid;
        e.ProcessName = names.Get(new ReadOnlySpan<byte>(c.comm, 16));
        e.ThreadName = names.Get(new ReadOnlySpan<byte>(c.thread_comm, 16));
        e.ParentProcessName = names.Get(new ReadOnlySpan<byte>(c.parent_comm, 16));
        e.CgroupId = c.cgroup_id;
        (e.CgroupPath, e.ContainerId) = Cgroup(c.cgroup_id);
    }

    public (string? Path, string? Container) Cgroup(ulong id)
    {
        if (!cgroups.TryGetValue(id, out var known))
        {
            var path = CgroupPaths.PathOf(id);
            known = (path, CgroupPaths.ContainerIdOf(path));
            if (path is not null)
            {
                cgroups[id] = known; // an unknown id is asked again later: the cgroup may be new
            }
        }
        return known;
    }
}
