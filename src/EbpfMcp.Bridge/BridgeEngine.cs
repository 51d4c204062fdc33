using EbpfMcp.Bridge.Ownership;
using EbpfMcp.Bridge.Tools;

namespace EbpfMcp.Bridge;

/// <summary>
/// The part of the bridge that runs commands: the PowerShell runspace pool with the modules, the
/// catalog reflected from them (with what this kernel can run), the invoker and the session
/// bookkeeping. It starts with the first request that needs it (or at once with --warm-start), on a
/// thread of its own: initialize, tools/list and prompts are answered from the tool listing, so a
/// bridge that is only listed never pays for PowerShell (about half its idle memory).
/// </summary>
public sealed class BridgeEngine : IDisposable
{
    /// <summary>Everything a tool call needs, once PowerShell is up.</summary>
    /// <param name="Described">Whether the catalog carries descriptions (help, and this kernel's tracers), not only what calls need.</param>
    public sealed record Parts(PowerShellHost Host, ToolCatalog Catalog, ToolInvoker Invoker, SessionInstallations Installations, bool Described);

    private readonly Lazy<Task<Parts>> start;
    private readonly TaskCompletionSource<Parts> up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BridgeEngine(Func<Parts> build) =>
        start = new(() =>
        {
            var building = Task.Factory.StartNew(build, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            building.ContinueWith(b =>
            {
                if (b.IsCompletedSuccessfully)
                {
                    up.TrySetResult(b.Result);
                }
                else
                {
                    up.TrySetException(b.Exception!.InnerExceptions);
                }
            }, TaskScheduler.Default);
            return building;
        });

    /// <summary>Starts the engine if it has not started, and completes when PowerShell is up and the catalog reflected; faults with <see cref="ModuleLoadException"/> when a module cannot be imported.</summary>
    public Task<Parts> Ready => start.Value;

    /// <summary>Completes when the engine is up, whenever something starts it; observing it starts nothing.</summary>
    public Task<Parts> Up => up.Task;

    /// <summary>An engine that starts on first use (see <see cref="Ready"/>).</summary>
    /// <param name="describe">
    /// Reflect the tools' descriptions too (help, and which tracers this kernel can run), for a
    /// listing that is not known yet; without it the catalog has what calls need, and starts faster.
    /// </param>
    /// <param name="probeKernel">When describing, ask the kernel which tracers can run (off only when writing a listing at build).</param>
    public static BridgeEngine Create(BridgeOptions options, IReadOnlyList<string> modules, AuditLog audit, bool describe, bool probeKernel = true) =>
        new(() =>
        {
            // PowerShell's telemetry would load Application Insights into a process that never reports.
            Environment.SetEnvironmentVariable("POWERSHELL_TELEMETRY_OPTOUT", "1");
            var host = new PowerShellHost(modules, options.PoolSize);
            var catalog = ToolCatalog.Reflect(host, probeKernel: describe && probeKernel, readHelp: describe);
            var installations = new SessionInstallations(host);
            return new Parts(host, catalog, new ToolInvoker(host, options, audit, installations), installations, describe);
        });

    /// <summary>The parts when the engine is up, else null (not started, starting, or failed): never starts it.</summary>
    public Parts? IfReady => start.IsValueCreated && start.Value.IsCompletedSuccessfully ? start.Value.Result : null;

    public void Dispose() => IfReady?.Host.Dispose();
}
