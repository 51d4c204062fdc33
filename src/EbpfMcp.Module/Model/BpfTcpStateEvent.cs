namespace EbpfMcp.Model;

/// <summary>A TCP socket that changed state (connect, accept, close, ...).</summary>
public sealed class BpfTcpStateEvent
{
    public DateTimeOffset Timestamp { get; internal init; }
    /// <summary>The process in whose context the change ran; 0 when it ran in softirq context.</summary>
    public int ProcessId { get; internal init; }
    public string ProcessName { get; internal init; } = "";
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
