namespace EbpfMcp.Model;

/// <summary>How often one process saw one system call fail with one errno during a trace.</summary>
public sealed class BpfSyscallError
{
    public string ProcessName { get; internal init; } = "";
    public int ProcessId { get; internal init; }
    /// <summary>System call name ("openat").</summary>
    public string Syscall { get; internal init; } = "";
    public int SyscallNumber { get; internal init; }
    /// <summary>Errno name ("ENOENT").</summary>
    public string Errno { get; internal init; } = "";
    public int ErrnoNumber { get; internal init; }
    public ulong Count { get; internal init; }
    /// <summary>When the trace that counted these ended.</summary>
    public DateTimeOffset Timestamp { get; internal init; }
    /// <summary>The kernel hook the trace ran on: tp_btf:sys_exit, raw_tp:sys_exit or the tracepoint fallback.</summary>
    public string Hook { get; internal init; } = "";
}
