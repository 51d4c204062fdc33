using EbpfMcp.Bridge.Ownership;
using EbpfMcp.Bridge.Tools;

namespace EbpfMcp.Bridge;

/// <summary>
/// The part of the bridge that runs commands: the PowerShell runspace pool with the modules, the
/// catalog reflected from them (with what this kernel can run), the invoker and the session
/// bookkeeping. Started in the background, so the server answers initialize and tools/list from the
/// tool listing while the engine warms up; a tool call waits for it.
/// </summary>
public sealed class BridgeEngine : IDisposable
{
    /// <summary>Everything a tool call needs, once PowerShell is up.</summary>
    public sealed record Parts(PowerShellHost Host, ToolCatalog Catalog, ToolInvoker Invoker, SessionInstallations Installations);

    private BridgeEngine(Task<Parts> ready) => Ready = ready;

    /// <summary>Completes when PowerShell is up and the catalog reflected; faults with <see cref="ModuleLoadException"/> when a module cannot be imported.</summary>
    public Task<Parts> Ready { get; }

    /// <summary>Starts the engine on a thread of its own and returns at once.</summary>
    /// <param name="probeKernel">Ask the kernel which tracers can run (off only when writing a listing at build).</param>
    public static BridgeEngine Start(BridgeOptions options, IReadOnlyList<string> modules, AuditLog audit, bool probeKernel = true) =>
        new(Task.Factory.StartNew(() =>
        {
            var host = new PowerShellHost(modules, options.PoolSize);
            var catalog = ToolCatalog.Reflect(host, probeKernel);
            var installations = new SessionInstallations(host);
            return new Parts(host, catalog, new ToolInvoker(host, options, audit, installations), installations);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));

    /// <summary>The parts when the engine is up, else null (it failed, or never started a command).</summary>
    public Parts? IfReady => Ready.IsCompletedSuccessfully ? Ready.Result : null;

    public void Dispose() => IfReady?.Host.Dispose();
}
