using System.Runtime.InteropServices;

namespace EbpfMcp.Bridge.Stdio;

/// <summary>
/// MCP over stdin/stdout: one session, which ends at EOF (after every request read has been
/// answered) or on SIGTERM/SIGINT; what it installed is removed then.
/// </summary>
public static class StdioServer
{
    public static async Task<int> RunAsync(BridgeOptions options, McpServerSetup setup, BridgeEngine engine, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        var (input, output) = Native.StandardStreams.TakeOver();
        await using var transport = new StdioTransport(input, output, options.MaxBodyBytes, logging);
        var serverOptions = new ModelContextProtocol.Server.McpServerOptions();
        setup.Configure(serverOptions);
        await using var server = ModelContextProtocol.Server.McpServer.Create(transport, serverOptions, logging);
        setup.Resources?.Open(server);
        try
        {
            await server.RunAsync(stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            setup.Resources?.Forget(server);
            var removed = engine.IfReady?.Installations.RemoveAll(McpToolHandlers.StdioOwner) ?? 0;
            if (removed > 0)
            {
                Console.Error.WriteLine($"ebpf-mcp: session ended, removed {removed} installation(s).");
            }
        }
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // end the session and clean up, rather than die where we stand
            stopping.Cancel();
        }
    }
}
