using System.Buffers.Binary;
using System.Management.Automation;
using System.Net;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Commands;

/// <summary>Trace-BpfTcpState: streams TCP state changes (sock:inet_sock_set_state) with addresses, ports and time in state.</summary>
[Cmdlet(VerbsDiagnostic.Trace, "BpfTcpState")]
[OutputType(typeof(BpfTcpStateEvent))]
public sealed class TraceBpfTcpStateCommand : BpfEventTraceCmdlet<BpfTcpStateEvent>
{
    private static readonly string[] States =
        ["UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV", "BOUND_INACTIVE"];

    /// <summary>Only connections with this port at either end (filtered as events arrive).</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    private protected override TracerCatalog.Tracer Tracer => TracerCatalog.TcpState;

    // struct tcp_event: ts@0 socket@8 in_state_ns@16 pid@24 old@28 new@32 family@36 sport@38 dport@40 saddr@44[16] daddr@60[16] comm@76[16]
    private protected override BpfTcpStateEvent? Decode(byte[] r)
    {
        int sport = BinaryPrimitives.ReadUInt16LittleEndian(r.AsSpan(38));
        int dport = BinaryPrimitives.ReadUInt16LittleEndian(r.AsSpan(40));
        if (Port != 0 && sport != Port && dport != Port)
        {
            return null;
        }
        bool v4 = BinaryPrimitives.ReadUInt16LittleEndian(r.AsSpan(36)) == 2;
        ulong inState = BinaryPrimitives.ReadUInt64LittleEndian(r.AsSpan(16));
        return new BpfTcpStateEvent
        {
            Timestamp = Time(r, 0),
            Socket = $"0x{BinaryPrimitives.ReadUInt64LittleEndian(r.AsSpan(8)):x}",
            InStateMs = inState == 0 ? null : inState / 1e6,
            ProcessId = BinaryPrimitives.ReadInt32LittleEndian(r.AsSpan(24)),
            OldState = State(BinaryPrimitives.ReadInt32LittleEndian(r.AsSpan(28))),
            NewState = State(BinaryPrimitives.ReadInt32LittleEndian(r.AsSpan(32))),
            Family = v4 ? "IPv4" : "IPv6",
            SourcePort = sport,
            DestinationPort = dport,
            SourceAddress = new IPAddress(r.AsSpan(44, v4 ? 4 : 16)).ToString(),
            DestinationAddress = new IPAddress(r.AsSpan(60, v4 ? 4 : 16)).ToString(),
            ProcessName = CString(r, 76, 16),
        };
    }

    private static string State(int s) => s >= 0 && s < States.Length ? States[s] : $"STATE_{s}";
}
