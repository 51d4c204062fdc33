using System.Management.Automation;
using System.Runtime.InteropServices;
using EbpfMcp.Commands;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Tracers;

/// <summary>Trace-BpfTcpState: TCP state changes (sock:inet_sock_set_state) with addresses, ports and time in state.</summary>
[Cmdlet(VerbsDiagnostic.Trace, "BpfTcpState")]
[OutputType(typeof(BpfTcpStateEvent), typeof(BpfEventGroup))]
[BpfTracer("tcp_states")]
[BpfHook(1, "tracepoint:sock:inet_sock_set_state", "tcp_state")]
public sealed class TraceBpfTcpStateCommand : BpfEventTraceCmdlet<BpfTcpStateEvent, TraceBpfTcpStateCommand.TcpEvent>
{
    /// <summary>Only connections with this port at either end (filtered as events arrive).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>Count the changes by these properties instead of returning each one.</summary>
    [Parameter]
    [ValidateSet("ProcessName", "ProcessId", "UserId", "CgroupPath", "ContainerId", "SourceAddress", "SourcePort", "DestinationAddress", "DestinationPort", "OldState", "NewState")]
    public override string[]? GroupBy { get; set; }

    private protected override unsafe BpfTcpStateEvent? Decode(TcpEvent r, EventContextDecoder context)
    {
        if (Port != 0 && r.sport != Port && r.dport != Port)
        {
            return null;
        }
        return new BpfTcpStateEvent
        {
            Socket = $"0x{r.socket:x}",
            InStateMs = r.in_state_ns == 0 ? null : r.in_state_ns / 1e6,
            OldState = TcpNames.State(r.old_state),
            NewState = TcpNames.State(r.new_state),
            Family = TcpNames.Family(r.family),
            SourcePort = r.sport,
            DestinationPort = r.dport,
            SourceAddress = TcpNames.Address(r.saddr, r.family),
            DestinationAddress = TcpNames.Address(r.daddr, r.family),
        };
    }

    /// <summary>struct tcp_event of bpf/tcp_states.bpf.c.</summary>
    [BtfStruct("tcp_event")]
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct TcpEvent
    {
        internal EventContextRecord ctx;
        internal ulong socket;
        internal ulong in_state_ns;
        internal int old_state;
        internal int new_state;
        internal ushort family;
        internal ushort sport;
        internal ushort dport;
        internal ushort pad;
        internal fixed byte saddr[16];
        internal fixed byte daddr[16];
    }
}

/// <summary>
/// A TCP socket that changed state (connect, accept, close, ...). Changes made in softirq context
/// (a peer's packet arriving) carry whichever process the CPU was running then.
/// </summary>
public sealed class BpfTcpStateEvent : BpfTraceEvent
{
    /// <summary>IPv4 or IPv6.</summary>
    public string Family { get; internal init; } = "";
    public string SourceAddress { get; internal init; } = "";
    public int SourcePort { get; internal init; }
    public string DestinationAddress { get; internal init; } = "";
    public int DestinationPort { get; internal init; }
    /// <summary>TCP state names as the kernel has them: SYN_SENT, ESTABLISHED, FIN_WAIT1, ...</summary>
    public string OldState { get; internal init; } = "";
    public string NewState { get; internal init; } = "";
    /// <summary>Milliseconds the socket spent in OldState; null when its previous change was before the trace.</summary>
    public double? InStateMs { get; internal init; }
    /// <summary>The kernel socket's address, to follow one connection.</summary>
    public string Socket { get; internal init; } = "";
}
