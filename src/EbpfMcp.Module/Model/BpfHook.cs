namespace EbpfMcp.Model;

/// <summary>A BPF program loaded in the kernel, with everything it is attached to.</summary>
public sealed class BpfHook
{
    public uint Id { get; internal init; }
    public string Name { get; internal init; } = "";
    /// <summary>Program type as libbpf names it: tracepoint, raw_tracepoint, xdp, cgroup_skb, ...</summary>
    public string Type { get; internal init; } = "";
    /// <summary>The kernel's hash of the program's instructions (hex).</summary>
    public string Tag { get; internal init; } = "";
    /// <summary>Attach points: "tracepoint:syscalls:sys_enter_getpid", "xdp:eth0", "cgroup:/sys/fs/cgroup/x (egress)".</summary>
    public string[] AttachedTo { get; internal init; } = [];
    public uint[] LinkIds { get; internal init; } = [];
    /// <summary>bpffs paths that pin this program.</summary>
    public string[] Pinned { get; internal init; } = [];
    public uint[] MapIds { get; internal init; } = [];
    public DateTimeOffset LoadedAt { get; internal init; }
    public uint Uid { get; internal init; }
    /// <summary>Runs counted by the kernel; zero unless kernel.bpf_stats_enabled=1.</summary>
    public ulong RunCount { get; internal init; }
    public ulong RunTimeNs { get; internal init; }
    /// <summary>The installation id when this module's Install-BpfProgram loaded the program, else null.</summary>
    public string? InstalledBy { get; internal init; }
    /// <summary>
    /// Who in this process loaded it, when this module did: "Install-BpfProgram bpf-4f1c2a9e (owner
    /// process:1234)" or the trace command ("Trace-BpfFileOpen"); null for programs of others.
    /// </summary>
    public string? LoadedBy { get; internal init; }
    /// <summary>Processes holding the program or a link to it ("nginx(1234)"); read only with -IncludeProcess.</summary>
    public string[]? HeldBy { get; internal init; }

    public override string ToString() => $"{Id} {Type} {Name}";
}
