using System.CommandLine;
using EbpfMcp.Bridge;
using EbpfMcp.Bridge.Http;
using EbpfMcp.Bridge.Stdio;
using EbpfMcp.Bridge.Tools;

// Before any thread of ours allocates (see MallocTuning: native memory crept up in malloc's arenas).
EbpfMcp.Bridge.Native.MallocTuning.ForLongRunningProcess();
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
    string[] modules;
    try
    {
        modules = [PowerShellHost.DefaultModuleManifest(), .. options.Modules];
    }
    catch (FileNotFoundException e)
    {
        log.WriteLine($"ebpf-mcp: {e.Message}");
        return 1;
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
    using var auditing = audit;
    using var heap = new HeapUpkeep(TimeSpan.FromMinutes(1));
    // A missing module is said at once, as when PowerShell imports it (the listing would not know).
    if (modules.FirstOrDefault(m => !File.Exists(m)) is { } missing)
    {
        log.WriteLine($"ebpf-mcp: the module manifest '{missing}' does not exist.");
        return 1;
    }
    var key = ToolListing.KeyFor(modules);
    var listing = options.WriteCatalog is null ? ToolListing.Load(key) : null;
    // PowerShell starts with the first call that needs it (or now, with --warm-start). What
    // tools/list says is known without it when the listing kept from the build (or an earlier
    // start) matches these files; then the engine needs no help text, only what calls need.
    using var engine = BridgeEngine.Create(options, modules, audit, describe: listing is null, probeKernel: options.WriteCatalog is null);
    if (options.WarmStart)
    {
        _ = engine.Ready;
    }
    if (listing is null)
    {
        BridgeEngine.Parts parts;
        try
        {
            parts = await engine.Ready;
        }
        catch (ModuleLoadException e)
        {
            log.WriteLine($"ebpf-mcp: {e.Message}");
            return 1;
        }
        foreach (var skipped in parts.Catalog.Skipped)
        {
            log.WriteLine($"ebpf-mcp: {skipped}");
        }
        listing = ToolListing.From(parts.Catalog, key);
        if (options.WriteCatalog is { } file)
        {
            listing.Save(file);
            log.WriteLine($"ebpf-mcp: tool listing written to {file}.");
            return 0;
        }
        // Kept for the next start, unless this kernel made descriptions say what it cannot run.
        if (listing.Tools.All(t => t.Unavailable is null))
        {
            listing.SaveWherePossible();
        }
    }
    var tools = new McpToolHandlers(listing, engine, options, audit);
    var setup = new McpServerSetup(tools, InvestigationPrompts.For(listing), new EbpfMcp.Bridge.Resources.BridgeResources(engine));
    _ = engine.Up.ContinueWith(ready =>
    {
        if (ready.IsCompletedSuccessfully)
        {
            // A listing from the build says nothing of this kernel: when it lacks tracers, describe
            // the tools again (with help) so their descriptions say why, and tell the clients.
            var host = ready.Result.Host;
            if (!ready.Result.Described && ToolCatalog.UnavailableTracers(host) is var (unavailable, everyone) && (unavailable.Count > 0 || everyone is not null)
                && tools.Learn(ToolCatalog.Reflect(host)) is { Count: > 0 } changed)
            {
                setup.Refresh(changed);
            }
            // Start-up (engine, help, reflection, kernel probing) leaves garbage behind: hand it
            // back to the system now, so an idle bridge stays small.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        else if (ready.Exception?.InnerException is { } failure)
        {
            log.WriteLine($"ebpf-mcp: the PowerShell engine did not start, tool calls will fail: {failure.Message}");
        }
    }, TaskScheduler.Default);
    log.WriteLine($"ebpf-mcp {McpServerSetup.Version}: {tools.Visible.Count()} tools ready in {started.ElapsedMilliseconds} ms{(options.AllowDeploy ? " (deploy allowed)" : "")}.");

    try
    {
        if (options.Transport == "stdio")
        {
            using var logging = BridgeLogging.Create(options.LogLevel);
            return await StdioServer.RunAsync(options, setup, engine, logging, cancellationToken);
        }
        return await HttpServer.RunAsync(options, setup, engine, audit, cancellationToken);
    }
    finally
    {
        // Background traces outlive sessions, not the bridge: stop them (their programs detach) on the way out.
        try
        {
            engine.IfReady?.Host.Run("$null = Get-BpfTrace -State Running | Stop-BpfTrace -Confirm:$false");
        }
        catch (Exception e) when (e is InvalidOperationException or System.Management.Automation.RuntimeException)
        {
            log.WriteLine($"ebpf-mcp: stopping background traces: {e.Message}");
        }
    }
}
