namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// The curated tracers: which BPF object each cmdlet loads and the hooks it can run on, best
/// first. The cmdlets and Get-BpfFeature (category Tracer) read the same entries.
/// </summary>
internal static class TracerCatalog
{
    public sealed record Tracer(string Cmdlet, string ObjectName, IReadOnlyList<HookChoice.Candidate> Hooks);

    public static readonly Tracer SyscallErrors = new("Trace-BpfSyscallError", "syscall_errors",
    [
        new("tp_btf:sys_exit", ["syscall_errors_btf"]),
        new("raw_tp:sys_exit", ["syscall_errors_raw"]),
        new("tracepoint:raw_syscalls:sys_exit", ["syscall_errors_tp"]),
    ]);

    public static readonly Tracer Exec = new("Trace-BpfExec", "exec_events",
    [
        // Successful execs from the scheduler's tracepoint, failed ones from the syscalls' exits.
        new("tracepoint:sched:sched_process_exec", ["exec_event", "execve_enter", "execve_exit", "execveat_enter", "execveat_exit"]),
        new("tracepoint:sched:sched_process_exec", ["exec_event"]),
    ]);

    public static readonly Tracer FileOpen = new("Trace-BpfFileOpen", "file_opens",
    [
        new("tracepoint:syscalls:sys_{enter,exit}_{open,openat,openat2}", ["open_enter", "openat_enter", "openat2_enter", "open_exit", "openat_exit", "openat2_exit"]),
        // Architectures without the legacy open(2) (arm64) have only openat and openat2.
        new("tracepoint:syscalls:sys_{enter,exit}_{openat,openat2}", ["openat_enter", "openat2_enter", "openat_exit", "openat2_exit"]),
    ]);

    public static readonly Tracer TcpState = new("Trace-BpfTcpState", "tcp_states",
    [
        new("tracepoint:sock:inet_sock_set_state", ["tcp_state"]),
    ]);

    public static IReadOnlyList<Tracer> All { get; } = [SyscallErrors, Exec, FileOpen, TcpState];
}
