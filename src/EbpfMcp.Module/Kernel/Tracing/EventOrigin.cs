namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// The decoded event context of one thread at one moment (names, ids, user, cgroup): immutable, so
/// consecutive events of that thread share it (see <see cref="EventContextDecoder"/>).
/// </summary>
internal sealed record EventOrigin(
    string ProcessName, int ProcessId, int ThreadId, string ThreadName, int ParentProcessId, string ParentProcessName,
    uint UserId, ulong CgroupId, string? CgroupPath, string? ContainerId)
{
    /// <summary>Before the context is applied.</summary>
    public static readonly EventOrigin Unknown = new("", 0, 0, "", 0, "", 0, 0, null, null);
}
