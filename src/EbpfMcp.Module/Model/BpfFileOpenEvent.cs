namespace EbpfMcp.Model;

/// <summary>One open/openat/openat2 call and its result.</summary>
public sealed class BpfFileOpenEvent
{
    public DateTimeOffset Timestamp { get; internal init; }
    public int ProcessId { get; internal init; }
    public int ThreadId { get; internal init; }
    public string ProcessName { get; internal init; } = "";
    /// <summary>open, openat or openat2.</summary>
    public string Syscall { get; internal init; } = "";
    public string Path { get; internal init; } = "";
    /// <summary>Open flags by name: "O_RDONLY|O_CLOEXEC".</summary>
    public string Flags { get; internal init; } = "";
    public ulong FlagsValue { get; internal init; }
    /// <summary>The file descriptor, or the negative errno when the call failed.</summary>
    public long Result { get; internal init; }
    /// <summary>"ENOENT" when the call failed, else null.</summary>
    public string? Errno { get; internal init; }
}
