using System.Management.Automation;
using System.Runtime.InteropServices;
using EbpfMcp.Commands;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Tracers;

/// <summary>
/// Trace-BpfTcpRetransmit: TCP retransmissions and resets sent and received (tcp:tcp_retransmit_skb,
/// tcp_send_reset, tcp_receive_reset), with addresses, ports, state and the socket's owner.
/// </summary>
[Cmdlet(VerbsDiagnostic.Trace, "BpfTcpRetransmit")]
[OutputType(typeof(BpfTcpRetransmitEvent), typeof(BpfEventGroup))]
[BpfTracer("tcp_retransmits")]
[BpfHook(1, "tp_btf:{tcp_retransmit_skb,tcp_send_reset,tcp_receive_reset,inet_sock_set_state,tcp_destroy_sock}", "tcpretx_retx_btf", "tcpretx_srst_btf", "tcpretx_rrst_btf", "tcpretx_state_btf", "tcpretx_del_btf")]
[BpfHook(2, "tracepoint:{tcp:tcp_retransmit_skb,tcp:tcp_send_reset,tcp:tcp_receive_reset,sock:inet_sock_set_state,tcp:tcp_destroy_sock}", "tcpretx_retx_tp", "tcpretx_srst_tp", "tcpretx_rrst_tp", "tcpretx_state_tp", "tcpretx_del_tp")]
public sealed class TraceBpfTcpRetransmitCommand : BpfEventTraceCmdlet<BpfTcpRetransmitEvent, TraceBpfTcpRetransmitCommand.RetransmitEvent>
{
    private static readonly string[] Kinds = ["Retransmit", "ResetSent", "ResetReceived"];

    private KernelEnumNames? resetReasons;

    /// <summary>Only these kinds of event.</summary>
    [Parameter]
    [ValidateSet("Retransmit", "ResetSent", "ResetReceived")]
    public string[]? Kind { get; set; }

    /// <summary>Only connections with this port at either end.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>Count the events by these properties instead of returning each one.</summary>
    [Parameter]
    [ValidateSet("ProcessName", "ProcessId", "Kind", "State", "Reason", "SourceAddress", "SourcePort", "DestinationAddress", "DestinationPort", "OwnerProcessName", "OwnerProcessId")]
    public override string[]? GroupBy { get; set; }

    // The process filter is applied as events arrive, to the socket's owner where it is known: in
    // the kernel only the task that happened to run (often none of the connection's) is at hand.
    private protected override ReadOnlySpan<byte> Configuration(ProcessFilterRecord filter) => [];

    private protected override unsafe BpfTcpRetransmitEvent? Decode(RetransmitEvent r, EventContextDecoder context)
    {
        var kind = r.kind < Kinds.Length ? Kinds[r.kind] : $"Kind{r.kind}";
        if ((Kind is not null && !Kind.Contains(kind, StringComparer.OrdinalIgnoreCase)) || (Port != 0 && r.sport != Port && r.dport != Port))
        {
            return null;
        }
        bool owned = r.owner.pid != 0;
        var owner = owned ? context.Names.Get(new ReadOnlySpan<byte>(r.owner.comm, 16)) : null;
        if (!Wanted(owned ? (int)r.owner.pid : (int)r.ctx.pid, owned ? owner! : context.Names.Get(new ReadOnlySpan<byte>(r.ctx.comm, 16))))
        {
            return null;
        }
        return new BpfTcpRetransmitEvent
        {
            Kind = kind,
            Family = TcpNames.Family(r.family),
            SourceAddress = TcpNames.Address(r.saddr, r.family),
            SourcePort = r.sport,
            DestinationAddress = TcpNames.Address(r.daddr, r.family),
            DestinationPort = r.dport,
            State = r.state == 0 ? null : TcpNames.State(r.state), // 0: no socket
            Reason = r.kind == 1 ? (resetReasons ??= KernelEnumNames.Load("sk_rst_reason", "SK_RST_REASON_")).Name(r.reason) : null,
            Socket = r.socket == 0 ? null : $"0x{r.socket:x}",
            OwnerProcessId = owned ? (int)r.owner.pid : null,
            OwnerProcessName = owner,
            OwnerUserId = owned ? r.owner.uid : null,
        };
    }

    private bool Wanted(int pid, string name) =>
        (ProcessId is null || ProcessId.Contains(pid))
        && (ExcludeProcessId is null || !ExcludeProcessId.Contains(pid))
        && (ProcessName is null || name == ProcessName);

    /// <summary>struct socket_owner of bpf/tcp_retransmits.bpf.c.</summary>
    [BtfStruct("socket_owner")]
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct SocketOwner
    {
        internal uint pid;
        internal uint uid;
        internal fixed byte comm[16];
    }

    /// <summary>struct tcp_retransmit_event of bpf/tcp_retransmits.bpf.c.</summary>
    [BtfStruct("tcp_retransmit_event")]
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct RetransmitEvent
    {
        internal EventContextRecord ctx;
        internal ulong socket;
        internal uint kind;
        internal int state;
        internal uint reason;
        internal ushort family;
        internal ushort sport;
        internal ushort dport;
        internal ushort pad;
        internal SocketOwner owner;
        internal fixed byte saddr[16];
        internal fixed byte daddr[16];
    }
}

/// <summary>
/// A TCP segment retransmitted, or a reset sent or received. These happen mostly in softirq, so
/// the event context is whichever task ran then; the Owner properties name the process that owns
/// the socket (it connected, or listens on the local port), where known.
/// </summary>
public sealed class BpfTcpRetransmitEvent : BpfTraceEvent
{
    /// <summary>Retransmit, ResetSent or ResetReceived.</summary>
    public string Kind { get; internal init; } = "";
    /// <summary>IPv4 or IPv6.</summary>
    public string Family { get; internal init; } = "";
    /// <summary>The local end (for a reset sent: the end that sent it).</summary>
    public string SourceAddress { get; internal init; } = "";
    public int SourcePort { get; internal init; }
    public string DestinationAddress { get; internal init; } = "";
    public int DestinationPort { get; internal init; }
    /// <summary>The socket's TCP state (SYN_SENT, ESTABLISHED, ...); null for a reset sent for a packet no socket wanted (a closed port).</summary>
    public string? State { get; internal init; }
    /// <summary>For resets sent, why, in the running kernel's words (NO_SOCKET, TCP_ABORT_ON_CLOSE, ...; older kernels do not say).</summary>
    public string? Reason { get; internal init; }
    /// <summary>The kernel socket's address, to follow one connection; null when there was none.</summary>
    public string? Socket { get; internal init; }
    public int? OwnerProcessId { get; internal init; }
    /// <summary>The process that owns the socket; null when unknown (no socket, or one opened before the trace).</summary>
    public string? OwnerProcessName { get; internal init; }
    public uint? OwnerUserId { get; internal init; }
}
