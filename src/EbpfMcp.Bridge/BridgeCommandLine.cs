using System.CommandLine;
using System.Net;

namespace EbpfMcp.Bridge;

/// <summary>
/// The command line, with System.CommandLine: ebpf-mcp -t|--transport stdio|http [options].
/// --help and --version print to stdout and exit 0; a bad option prints why to stderr and exits 1.
/// </summary>
public static class BridgeCommandLine
{
    public static RootCommand Create(Func<BridgeOptions, CancellationToken, Task<int>> run)
    {
        var defaults = new BridgeOptions();
        var transport = new Option<string>("--transport", "-t") { Description = "stdio (what desktop clients start) or http (Streamable HTTP)", DefaultValueFactory = _ => defaults.Transport };
        transport.AcceptOnlyFromAmong("stdio", "http");
        var listen = new Option<string>("--listen") { Description = "HTTP listen address", HelpName = "address", DefaultValueFactory = _ => defaults.Listen };
        listen.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string>();
            if (!IPAddress.TryParse(value, out _) && value != "localhost")
            {
                r.AddError($"--listen takes an IP address, not '{value}'.");
            }
        });
        var port = Number("--port", "HTTP port", defaults.Port, 1, 65535);
        var allowDeploy = new Option<bool>("--allow-deploy") { Description = "list and allow the tools that change the kernel (Install-/Uninstall-)" };
        var allowCompile = new Option<bool>("--allow-compile") { Description = "also let deploys compile C sources (.c) with clang; implies --allow-deploy and needs --allow-source" };
        var tokenFile = new Option<string?>("--token-file") { Description = "file holding the HTTP bearer token (else EBPF_MCP_TOKEN, else one is generated)", HelpName = "path" };
        var module = new Option<string[]>("--module") { Description = "also serve the commands of this module manifest (repeatable)", HelpName = "psd1" };
        var maxItems = Number("--max-items", "most output objects per tool call", defaults.MaxItems, 1, 1_000_000);
        var maxBytes = Number("--max-bytes", "most bytes of structured output per call", defaults.MaxBytes, 1024, 256 * 1024 * 1024);
        var maxBody = Number("--max-body", "largest request in bytes: an HTTP body or one stdio message", (int)defaults.MaxBodyBytes, 1024, 1024 * 1024 * 1024);
        var pool = Number("--pool", "PowerShell runspaces kept warm", defaults.PoolSize, 1, 64);
        var allowSource = new Option<string[]>("--allow-source") { Description = "deploys may load only from these directories / URLs (repeatable)", HelpName = "dir|url" };
        allowSource.Validators.Add(r =>
        {
            foreach (var value in r.GetValueOrDefault<string[]>() ?? [])
            {
                if (value.Contains("://", StringComparison.Ordinal) && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0))
                {
                    r.AddError($"--allow-source '{value}' is not an absolute http(s) URL without user information.");
                }
            }
        });
        var auditLog = new Option<string>("--audit-log") { Description = "one JSON line per tool call and refusal: a file (created 0600), - for stderr, or none", HelpName = "file|-|none", DefaultValueFactory = _ => defaults.AuditLog };
        var maxTraces = Number("--max-traces", "Trace-/Measure- calls running at once in the foreground; more are refused", defaults.MaxTraces, 1, 256);
        var maxBackgroundTraces = Number("--max-background-traces", "background traces (AsJob) running at once; more are refused", defaults.MaxBackgroundTraces, 1, 64);
        var maxCallSeconds = Number("--max-call-seconds", "longest foreground trace (Duration without AsJob), below client timeouts", defaults.MaxCallSeconds, 1, 3600);
        var quotaPrograms = Number("--quota-programs", "programs one session may have installed", defaults.QuotaPrograms, 1, 10_000);
        var quotaMaps = Number("--quota-maps", "maps one session may have installed", defaults.QuotaMaps, 1, 10_000);
        var quotaMemlock = Number("--quota-memlock", "kernel memory (MiB) one session's programs and maps may lock", (int)(defaults.QuotaMemlockBytes >> 20), 1, 1024 * 1024);
        var maxSessions = Number("--max-sessions", "MCP sessions over HTTP at once; more are refused (503), none is evicted", defaults.MaxSessions, 1, 100_000);
        var maxObject = Number("--max-object", "largest BPF object (bytes) a deploy may read or download", (int)defaults.MaxObjectBytes, 1024, 1024 * 1024 * 1024);
        var pinRoot = new Option<string>("--pin-root") { Description = "the bpffs directory deploys may pin under", HelpName = "dir", DefaultValueFactory = _ => defaults.PinRoot };
        pinRoot.Validators.Add(r =>
        {
            if (!DeployPolicy.IsPlainAbsolutePath(r.GetValueOrDefault<string>()))
            {
                r.AddError("--pin-root takes an absolute path of plain names (no '.', '..', '\\' or '~').");
            }
        });
        var writeCatalog = new Option<string>("--write-catalog") { Description = "write the tool listing to this file and exit (the build does this, so tools/list is answered before PowerShell is up)", HelpName = "file" };
        var warmStart = new Option<bool>("--warm-start") { Description = "start PowerShell at once instead of with the first tool call: a faster first call, ~50 MB more while idle" };
        var hosts = new Option<string>("--hosts") { Description = "file naming the nodes (ssh host names, one a line) that read-only tools may also run on with ComputerName, over PowerShell remoting", HelpName = "file" };
        hosts.Validators.Add(r =>
        {
            try
            {
                Fleet.FleetHosts.Load(r.GetValueOrDefault<string>());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                r.AddError($"--hosts: {e.Message}");
            }
        });
        var throttleLimit = Number("--throttle-limit", "nodes reached at once over SSH (all calls together); the others wait", defaults.ThrottleLimit, 1, 1024);
        var logLevel = new Option<LogLevel>("--log-level") { Description = "least severe log message written to stderr (stack traces only at Debug and below)", DefaultValueFactory = _ => defaults.LogLevel };

        var root = new RootCommand("MCP server for kernel observability with eBPF: serves the EbpfMcp PowerShell module's commands as MCP tools over stdio or Streamable HTTP.")
        {
            transport, listen, port, allowDeploy, allowCompile, tokenFile, module, maxItems, maxBytes, maxBody, pool, allowSource,
            auditLog, maxTraces, maxBackgroundTraces, maxCallSeconds, quotaPrograms, quotaMaps, quotaMemlock, maxSessions, maxObject, pinRoot, logLevel, writeCatalog, warmStart, hosts, throttleLimit,
        };
        // A compile reads the source and its headers and reports the compiler's messages: confine where they may come from.
        root.Validators.Add(r =>
        {
            if (r.GetValue(allowCompile) && (r.GetValue(allowSource) ?? []).Length == 0)
            {
                r.AddError("--allow-compile needs --allow-source DIR|URL: the directories or URLs C sources (and their headers) may come from.");
            }
        });
        root.SetAction((result, cancellationToken) => run(new BridgeOptions
        {
            Transport = result.GetValue(transport)!,
            Listen = result.GetValue(listen)!,
            Port = result.GetValue(port),
            AllowDeploy = result.GetValue(allowDeploy) || result.GetValue(allowCompile),
            AllowCompile = result.GetValue(allowCompile),
            TokenFile = result.GetValue(tokenFile),
            Modules = [.. (result.GetValue(module) ?? []).Select(Path.GetFullPath)],
            MaxItems = result.GetValue(maxItems),
            MaxBytes = result.GetValue(maxBytes),
            MaxBodyBytes = result.GetValue(maxBody),
            PoolSize = result.GetValue(pool),
            AllowSources = result.GetValue(allowSource) ?? [],
            AuditLog = result.GetValue(auditLog)!,
            MaxTraces = result.GetValue(maxTraces),
            MaxBackgroundTraces = result.GetValue(maxBackgroundTraces),
            MaxCallSeconds = result.GetValue(maxCallSeconds),
            QuotaPrograms = result.GetValue(quotaPrograms),
            QuotaMaps = result.GetValue(quotaMaps),
            QuotaMemlockBytes = result.GetValue(quotaMemlock) * 1024L * 1024,
            MaxSessions = result.GetValue(maxSessions),
            MaxObjectBytes = result.GetValue(maxObject),
            PinRoot = result.GetValue(pinRoot)!.TrimEnd('/'),
            LogLevel = result.GetValue(logLevel),
            WarmStart = result.GetValue(warmStart),
            Hosts = result.GetValue(hosts) is { } hostsFile ? Fleet.FleetHosts.Load(hostsFile) : null,
            ThrottleLimit = result.GetValue(throttleLimit),
            WriteCatalog = result.GetValue(writeCatalog) is { } catalogFile ? Path.GetFullPath(catalogFile) : null,
        }, cancellationToken));
        return root;
    }

    private static Option<int> Number(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name) { Description = description, HelpName = "n", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<int>();
            if (value < min || value > max)
            {
                r.AddError($"{name} takes a number from {min} to {max}, not {value}.");
            }
        });
        return option;
    }
}
