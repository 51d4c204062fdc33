using System.Net;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>TCP states by the kernel's names (include/net/tcp_states.h) and socket addresses as text, for the TCP tracers.</summary>
internal static class TcpNames
{
    private const ushort AfInet = 2;

    private static readonly string[] States =
        ["UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV", "BOUND_INACTIVE"];

    public static string State(int state) => state >= 0 && state < States.Length ? States[state] : $"STATE_{state}";

    public static string Family(ushort family) => family == AfInet ? "IPv4" : "IPv6";

    /// <summary>An address field of 16 bytes, of which an IPv4 address uses the first 4.</summary>
    public static unsafe string Address(byte* address, ushort family) =>
        new IPAddress(new ReadOnlySpan<byte>(address, family == AfInet ? 4 : 16)).ToString();
}
