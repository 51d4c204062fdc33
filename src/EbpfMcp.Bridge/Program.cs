using EbpfMcp.Bridge;
using EbpfMcp.Bridge.Http;
using EbpfMcp.Bridge.Ownership;
using EbpfMcp.Bridge.Tools;

BridgeOptions options;
try
{
    options = BridgeOptions.Parse(args);
}
catch (HelpRequestedException)
{
    Console.Error.WriteLine(BridgeOptions.Usage);
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"ebpf-mcp: {e.Message}\n{BridgeOptions.Usage}");
    return 2;
}

// stdout belongs to the protocol in stdio mode: everything human goes to stderr.
var log = Console.Error;
var started = System.Diagnostics.Stopwatch.StartNew();
using var host = new PowerShellHost([PowerShellHost.DefaultModuleManifest(), .. options.Modules], options.PoolSize);
var catalog = ToolCatalog.Reflect(host);
using var audit = new AuditLog(options.AuditLog == "none" ? null : options.AuditLog);
var installations = new SessionInstallations(host);
var invoker = new ToolInvoker(host, options, audit, installations);
var handlers = new McpToolHandlers(catalog, invoker, options);
log.WriteLine($"ebpf-mcp: {handlers.Visible.Count()} tools ready in {started.ElapsedMilliseconds} ms{(options.AllowDeploy ? " (deploy allowed)" : "")}.");
// Start-up (engine, help, reflection, kernel probing) leaves garbage behind: hand it back to the
// system now, so an idle bridge stays small.
GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

return options.Transport == "stdio"
    ? await StdioServer.RunAsync(handlers, installations)
    : await HttpServer.RunAsync(handlers, options, log, catalog, invoker, installations);
