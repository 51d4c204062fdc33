using System.CommandLine;
using EbpfMcp.Bridge;
using EbpfMcp.Bridge.Http;
using EbpfMcp.Bridge.Ownership;
using EbpfMcp.Bridge.Stdio;
using EbpfMcp.Bridge.Tools;

// stdout belongs to the protocol in stdio mode: everything human goes to stderr (--help and
// --version excepted: they are asked for, and the protocol is not running).
var parsed = BridgeCommandLine.Create(RunAsync).Parse(args);
if (parsed.Errors.Count > 0)
{
    // Only the reasons, on stderr: a client reading stdout must never get a help text as protocol.
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine($"ebpf-mcp: {error.Message}");
    }
    Console.Error.WriteLine("ebpf-mcp: see ebpf-mcp --help.");
    return 1;
}
// Signals are the transports' business (they end sessions and clean up), not the parser's.
var exitCode = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
// Done: a PowerShell engine thread left behind (a runspace that failed to open, a command that
// ignored its stop) must not keep the process alive.
Environment.Exit(exitCode);
return exitCode;

static async Task<int> RunAsync(BridgeOptions options, CancellationToken cancellationToken)
{
    var log = Console.Error;
    var started = System.Diagnostics.Stopwatch.StartNew();
    PowerShellHost host;
    try
    {
        host = new PowerShellHost([PowerShellHost.DefaultModuleManifest(), .. options.Modules], options.PoolSize);
    }
    catch (ModuleLoadException e)
    {
        log.WriteLine($"ebpf-mcp: {e.Message}");
        return 1;
    }
    using var _ = host;
    var catalog = ToolCatalog.Reflect(host);
    foreach (var skipped in catalog.Skipped)
    {
        log.WriteLine($"ebpf-mcp: {skipped}");
    }
    AuditLog audit;
    try
    {
        audit = new AuditLog(options.AuditLog == "none" ? null : options.AuditLog);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        log.WriteLine($"ebpf-mcp: cannot open the audit log '{options.AuditLog}': {e.Message}");
        return 1;
    }
    using var __ = audit;
    var installations = new SessionInstallations(host);
    var invoker = new ToolInvoker(host, options, audit, installations);
    var tools = new McpToolHandlers(catalog, invoker, options, audit);
    var setup = new McpServerSetup(tools, InvestigationPrompts.For(catalog));
    log.WriteLine($"ebpf-mcp {McpServerSetup.Version}: {tools.Visible.Count()} tools ready in {started.ElapsedMilliseconds} ms{(options.AllowDeploy ? " (deploy allowed)" : "")}.");
    // Start-up (engine, help, reflection, kernel probing) leaves garbage behind: hand it back to the
    // system now, so an idle bridge stays small.
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    try
    {
        if (options.Transport == "stdio")
        {
            using var logging = BridgeLogging.Create(options.LogLevel);
            return await StdioServer.RunAsync(options, setup, installations, logging, cancellationToken);
        }
        return await HttpServer.RunAsync(options, setup, catalog, invoker, installations, audit, cancellationToken);
    }
    finally
    {
        // Background traces outlive sessions, not the bridge: stop them (their programs detach) on the way out.
        try
        {
            host.Run("$null = Get-BpfTrace -State Running | Stop-BpfTrace -Confirm:$false");
        }
        catch (Exception e) when (e is InvalidOperationException or System.Management.Automation.RuntimeException)
        {
            log.WriteLine($"ebpf-mcp: stopping background traces: {e.Message}");
        }
    }
}
