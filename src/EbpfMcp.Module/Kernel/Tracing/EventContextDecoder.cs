using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Host;
using EbpfMcp.Model;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Fills the event context of decoded events: names shared through <see cref="CommNames"/>, times
/// through one <see cref="BoottimeClock"/> anchor, cgroup paths and container ids cached per cgroup.
/// One per trace; used by the thread that reads the trace's ring buffer.
/// </summary>
internal sealed class EventContextDecoder
{
    // The context after its timestamp (cgroup, ids, user, the three names) decides the origin.
    private static readonly int IdentityOffset = (int)Marshal.OffsetOf<EventContextRecord>(nameof(EventContextRecord.cgroup_id));
    private static readonly int CommOffset = (int)Marshal.OffsetOf<EventContextRecord>(nameof(EventContextRecord.comm));
    private static readonly int ThreadCommOffset = (int)Marshal.OffsetOf<EventContextRecord>(nameof(EventContextRecord.thread_comm));
    private static readonly int ParentCommOffset = (int)Marshal.OffsetOf<EventContextRecord>(nameof(EventContextRecord.parent_comm));

    // The last origin of each thread slot (thread id modulo the slot count) and the context bytes it
    // was decoded from: a thread's next event usually has the same bytes, and then costs one
    // comparison instead of three name lookups and a cgroup lookup.
    private const int OriginSlots = 256;
    private readonly (byte[] Identity, EventOrigin Origin)?[] origins = new (byte[], EventOrigin)?[OriginSlots];

    private readonly CommNames names = new();
    private readonly BoottimeClock clock = BoottimeClock.Now();
    private readonly Dictionary<ulong, (string? Path, string? Container)> cgroups = [];

    public CommNames Names => names;

    /// <summary>Text fields of the tracer's own records that repeat (paths): decoded once each.</summary>
    public RepeatedStrings Strings { get; } = new();

    public DateTimeOffset Time(ulong boottimeNs) => clock.ToWallClock(boottimeNs);

    public void Apply(in EventContextRecord c, BpfTraceEvent e)
    {
        e.Timestamp = clock.ToWallClock(c.timestamp_ns);
        var bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<EventContextRecord>(in c));
        var identity = bytes[IdentityOffset..];
        ref var slot = ref origins[c.tid % OriginSlots];
        if (slot is { } known && identity.SequenceEqual(known.Identity))
        {
            e.Origin = known.Origin;
            return;
        }
        var (path, container) = Cgroup(c.cgroup_id);
        var origin = new EventOrigin(
            ProcessName: names.Get(bytes.Slice(CommOffset, 16)),
            ProcessId: (int)c.pid,
            ThreadId: (int)c.tid,
            ThreadName: names.Get(bytes.Slice(ThreadCommOffset, 16)),
            ParentProcessId: (int)c.ppid,
            ParentProcessName: names.Get(bytes.Slice(ParentCommOffset, 16)),
            UserId: c.uid,
            CgroupId: c.cgroup_id,
            CgroupPath: path,
            ContainerId: container);
        if (path is not null || c.cgroup_id == 0)
        {
            slot = (identity.ToArray(), origin); // an unknown cgroup is asked again: it may be new
        }
        e.Origin = origin;
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
