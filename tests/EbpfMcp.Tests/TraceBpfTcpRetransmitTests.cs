using System.Net;
using System.Net.Sockets;
using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;

namespace EbpfMcp.Tests;

/// <summary>
/// Connections this test makes on loopback: one to a closed port (the kernel answers the SYN with a
/// reset, which the connecting socket receives), and one to a listener whose backlog is full (its
/// SYN is dropped and sent again after the initial one-second timeout).
/// </summary>
public sealed class TraceBpfTcpRetransmitTests
{
    [Fact]
    public async Task AConnectToAClosedPortIsAResetSentByTheKernelAndReceivedByTheConnectingSocket()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        int closed = BridgeProcess.FreePort();

        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfTcpRetransmit -Duration 2 -Port $p", new Dictionary<string, object?> { ["p"] = closed }, "tcpretx_", before);
        int clientPort = ConnectToClosedPort(closed);
        var events = (await trace).Output.Select(o => (BpfTcpRetransmitEvent)o.BaseObject).ToList();

        // The reset comes from the closed port's side, for a packet no socket wanted: no state, no owner.
        var sent = Assert.Single(events, e => e.Kind == "ResetSent");
        Assert.Equal(("IPv4", "127.0.0.1", closed, "127.0.0.1", clientPort), (sent.Family, sent.SourceAddress, sent.SourcePort, sent.DestinationAddress, sent.DestinationPort));
        Assert.Equal(((string?)null, (string?)null, (int?)null, "NO_SOCKET"), (sent.State, sent.Socket, sent.OwnerProcessId, sent.Reason));
        // The connecting socket gets it in SYN_SENT; it belongs to this process, which connected it.
        var received = Assert.Single(events, e => e.Kind == "ResetReceived");
        Assert.Equal(("127.0.0.1", clientPort, closed, "SYN_SENT"), (received.SourceAddress, received.SourcePort, received.DestinationPort, received.State));
        Assert.Equal((int?)Environment.ProcessId, received.OwnerProcessId);
        Assert.NotNull(received.Socket);
        Assert.Equal(2, events.Count);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task ASynDroppedByAFullBacklogIsRetransmittedByTheConnectingSocket()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0); // one connection fills the accept queue; it is never accepted
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfTcpRetransmit -Duration 2.5 -Port $p -Kind Retransmit", new Dictionary<string, object?> { ["p"] = port }, "tcpretx_", before);
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await first.ConnectAsync(IPAddress.Loopback, port);
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        second.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int secondPort = ((IPEndPoint)second.LocalEndPoint!).Port;
        _ = second.ConnectAsync(IPAddress.Loopback, port); // its SYN is dropped: the queue is full
        var connected = DateTimeOffset.Now;
        var events = (await trace).Output.Select(o => (BpfTcpRetransmitEvent)o.BaseObject).ToList();

        // Once a second or more: the initial timeout is 1 s, and new kernels keep the first SYN timeouts linear.
        var retransmits = events.Where(e => e.SourcePort == secondPort).ToList();
        Assert.NotEmpty(retransmits);
        Assert.True(retransmits[0].Timestamp - connected >= TimeSpan.FromMilliseconds(900), $"first retransmission after {retransmits[0].Timestamp - connected}");
        Assert.All(retransmits, r =>
        {
            Assert.Equal(("Retransmit", "SYN_SENT", "127.0.0.1", port), (r.Kind, r.State, r.DestinationAddress, r.DestinationPort));
            Assert.Equal((Environment.ProcessId, retransmits[0].Socket), (r.OwnerProcessId, r.Socket));
        });
        Assert.All(events, e => Assert.Equal("Retransmit", e.Kind)); // -Kind
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public async Task AnAbortedConnectionIsAResetSentByTheClientAndReceivedByTheSocketTheListenerAccepted()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfTcpRetransmit -Duration 2", new Dictionary<string, object?>(), "tcpretx_", before);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(); // after the trace started: the listener's owner is known
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(IPAddress.Loopback, port);
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        using var accepted = await listener.AcceptAsync();
        client.LingerState = new LingerOption(true, 0);
        client.Close(); // linger 0: the connection is aborted with a reset
        var events = (await trace).Output.Select(o => (BpfTcpRetransmitEvent)o.BaseObject).Where(e => e.SourcePort == port || e.DestinationPort == port).ToList();

        // Closing with linger 0 moves the socket to CLOSE, then sends the reset: its owner is still known.
        var sent = Assert.Single(events, e => e.Kind == "ResetSent");
        Assert.Equal((clientPort, port, "CLOSE", (int?)Environment.ProcessId), (sent.SourcePort, sent.DestinationPort, sent.State, sent.OwnerProcessId));
        // The accepted socket never connected nor listened: it belongs to whoever listens on its port.
        var received = Assert.Single(events, e => e.Kind == "ResetReceived");
        Assert.Equal((port, clientPort, (int?)Environment.ProcessId), (received.SourcePort, received.DestinationPort, received.OwnerProcessId));
        Assert.NotEqual(sent.Socket, received.Socket);
        KernelPrograms.AssertReturnsTo(before);
    }

    [Fact]
    public void EveryDeclaredHookSeesBothResetsWithTheirEnds()
    {
        KernelPrerequisites.Require();
        var before = KernelPrograms.Ids();
        var hooks = TracerHooks.Of<TraceBpfTcpRetransmitCommand>();
        Assert.Equal(["tp_btf", "tracepoint"], hooks.Select(h => h.Hook.Split(':')[0]));
        foreach (var hook in hooks)
        {
            int closed = BridgeProcess.FreePort();
            using (var kernel = TracerHooks.Start<TraceBpfTcpRetransmitCommand>(hook, []))
            {
                int clientPort = ConnectToClosedPort(closed);
                var records = TracerHooks.Drain<TraceBpfTcpRetransmitCommand.RetransmitEvent>(kernel).Where(r => r.sport == closed || r.dport == closed).ToList();
                var sent = Assert.Single(records, r => r.kind == 1);
                Assert.Equal(((ushort)closed, (ushort)clientPort, 0UL, 2), (sent.sport, sent.dport, sent.socket, (int)sent.family));
                var received = Assert.Single(records, r => r.kind == 2);
                Assert.Equal(((ushort)clientPort, (ushort)closed, 2, (uint)Environment.ProcessId), (received.sport, received.dport, received.state, received.owner.pid));
            }
            KernelPrograms.AssertReturnsTo(before);
        }
    }

    /// <summary>Connects to a port nobody listens on; returns the local port the refused connect used.</summary>
    private static int ConnectToClosedPort(int port)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var refused = Assert.Throws<SocketException>(() => client.Connect(IPAddress.Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        return ((IPEndPoint)client.LocalEndPoint!).Port;
    }
}
