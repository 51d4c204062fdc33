using System.Net;

namespace EbpfMcp.Bridge;

/// <summary>What the bridge was started with (see <see cref="BridgeCommandLine"/> for the options).</summary>
public sealed record BridgeOptions
{
    public string Transport { get; init; } = "stdio";
    public string Listen { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8080;
    public bool AllowDeploy { get; init; }
    /// <summary>Deploys may compile C sources (implies <see cref="AllowDeploy"/>; needs <see cref="AllowSources"/>).</summary>
    public bool AllowCompile { get; init; }
    public string? TokenFile { get; init; }
    /// <summary>Extra module manifests whose commands are served too (test modules, site modules).</summary>
    public IReadOnlyList<string> Modules { get; init; } = [];
    public int MaxItems { get; init; } = 1000;
    public int MaxBytes { get; init; } = 1024 * 1024;
    /// <summary>Largest request: an HTTP body, or one line on stdio.</summary>
    public long MaxBodyBytes { get; init; } = 4 * 1024 * 1024;
    public int PoolSize { get; init; } = 8;
    /// <summary>Directories and URLs deploys may load from; empty: any.</summary>
    public IReadOnlyList<string> AllowSources { get; init; } = [];
    /// <summary>Audit log: a file, "-" for stderr (the default), or "none".</summary>
    public string AuditLog { get; init; } = "-";
    /// <summary>Trace-/Measure- calls that may run at once in the foreground; more are refused, not queued.</summary>
    public int MaxTraces { get; init; } = 4;
    /// <summary>Background traces (AsJob) that may run at once; more are refused.</summary>
    public int MaxBackgroundTraces { get; init; } = 8;
    /// <summary>Longest foreground trace over MCP, in seconds: below common client timeouts (60 s); longer work is AsJob.</summary>
    public int MaxCallSeconds { get; init; } = 45;
    public int QuotaPrograms { get; init; } = 32;
    public int QuotaMaps { get; init; } = 64;
    public long QuotaMemlockBytes { get; init; } = 256L * 1024 * 1024;
    /// <summary>MCP sessions over HTTP at once (the bridge has one token, so this is also the per-token cap).</summary>
    public int MaxSessions { get; init; } = 64;
    /// <summary>Largest BPF object a deploy may read or download, in bytes.</summary>
    public long MaxObjectBytes { get; init; } = 16 * 1024 * 1024;
    /// <summary>Where deploys through the bridge may pin.</summary>
    public string PinRoot { get; init; } = DefaultPinRoot;
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;
    /// <summary>Start PowerShell as the bridge starts, not with the first tool call that needs it.</summary>
    public bool WarmStart { get; init; }
    /// <summary>Write the tool listing (what tools/list says) to this file and exit: the build does this, for fast starts.</summary>
    public string? WriteCatalog { get; init; }
    /// <summary>The nodes read-only tools may also run on (ComputerName), from --hosts; null: this node only.</summary>
    public Fleet.FleetHosts? Hosts { get; init; }
    /// <summary>Nodes reached at once over SSH, across all calls; the others wait their turn.</summary>
    public int ThrottleLimit { get; init; } = 8;

    public const string DefaultPinRoot = "/sys/fs/bpf/ebpf-mcp";

    public bool ListensOnLoopback => Listen == "localhost" || (IPAddress.TryParse(Listen, out var ip) && IPAddress.IsLoopback(ip));
}
