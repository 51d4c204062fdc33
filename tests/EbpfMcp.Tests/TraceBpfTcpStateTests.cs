using System.Net;
using System.Net.Sockets;
using EbpfMcp.Tests.Infrastructure;
using EbpfMcp.Tracers;

namespace EbpfMcp.Tests;

/// <summary>A loopback listener and a connect made by the test: the tracer reports their state changes.</summary>
public sealed class TraceBpfTcpStateTests
{
    [Fact]
    public async Task ConnectToALoopbackListenerIsReportedWithAddressesPortsAndStates()
    {
        KernelPrerequisites.Require();
        using var ps = new PowerShellSession();
        var before = KernelPrograms.Ids();
        int port = BridgeProcess.FreePort();
        var trace = await TraceRunner.StartAsync(ps, "Trace-BpfTcpState -Duration 2 -Port $p", new Dictionary<string, object?> { ["p"] = port }, "tcp_state", before);

        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        int clientPort;
        using (var client = new TcpClient(AddressFamily.InterNetwork))
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
            using var accepted = await listener.AcceptTcpClientAsync();
        }
        listener.Stop();
        var events = (await trace).Output.Select(o => (BpfTcpStateEvent)o.BaseObject).ToList();

        var listen = Assert.Single(events, e => e.NewState == "LISTEN");
        Assert.Equal(("CLOSE", port, "127.0.0.1"), (listen.OldState, listen.SourcePort, listen.SourceAddress));
        Assert.Equal(Environment.ProcessId, listen.ProcessId);

        var connect = Assert.Single(events, e => e.OldState == "CLOSE" && e.NewState == "SYN_SENT");
        Assert.Equal(Environment.ProcessId, connect.ProcessId);
        Assert.Equal(("IPv4", "127.0.0.1", port), (connect.Family, connect.DestinationAddress, connect.DestinationPort));

        var established = Assert.Single(events, e => e.OldState == "SYN_SENT" && e.NewState == "ESTABLISHED");
        Assert.Equal(connect.Socket, established.Socket);
        Assert.Equal(clientPort, established.SourcePort);
        Assert.NotNull(established.InStateMs);
        Assert.InRange(established.InStateMs!.Value, 0, 2000);

        // Both ends close: the client's socket leaves ESTABLISHED (to FIN_WAIT1 or CLOSE_WAIT, whichever side went first).
        Assert.Contains(events, e => e.Socket == connect.Socket && e.OldState == "ESTABLISHED" && e.NewState is "FIN_WAIT1" or "CLOSE_WAIT");
        KernelPrograms.AssertReturnsTo(before);
    }
}
