using System.Net;

namespace EbpfMcp.Bridge;

/// <summary>The bridge's command line: ebpf-mcp -t|--transport stdio|http [--listen A] [--port N] ...</summary>
public sealed record BridgeOptions
{
    public string Transport { get; init; } = "stdio";
    public string Listen { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 8080;
    public bool AllowDeploy { get; init; }
    public string? TokenFile { get; init; }
    /// <summary>Extra module manifests whose cmdlets are served too (test modules, site modules).</summary>
    public List<string> Modules { get; init; } = [];
    public int MaxItems { get; init; } = 1000;
    public int MaxBytes { get; init; } = 1024 * 1024;
    public long MaxBodyBytes { get; init; } = 4 * 1024 * 1024;
    public int PoolSize { get; init; } = 8;
    /// <summary>Directories and URL prefixes deploys may load from; empty: any.</summary>
    public List<string> AllowSources { get; init; } = [];
    /// <summary>Audit log: a file, "-" for stderr (the default), or "none".</summary>
    public string AuditLog { get; init; } = "-";
    /// <summary>Trace-/Measure- calls that may run at once; more are refused, not queued.</summary>
    public int MaxTraces { get; init; } = 4;
    public int QuotaPrograms { get; init; } = 32;
    public int QuotaMaps { get; init; } = 64;
    public long QuotaMemlockBytes { get; init; } = 256L * 1024 * 1024;

    public const string Usage = """
        Usage: ebpf-mcp -t|--transport stdio|http [options]
          --listen <address>     HTTP listen address (default 127.0.0.1)
          --port <n>             HTTP port (default 8080)
          --token-file <path>    bearer token for HTTP (else EBPF_MCP_TOKEN, else one is generated)
          --allow-deploy         list and allow the tools that change the kernel (Install-/Uninstall-)
          --module <psd1>        also serve the cmdlets of this module (repeatable)
          --max-items <n>        most output objects per tool call (default 1000)
          --max-bytes <n>        most bytes of structured output per call (default 1048576)
          --max-body <n>         largest HTTP request body in bytes (default 4194304)
          --pool <n>             PowerShell runspaces kept warm (default 8)
          --allow-source <d|url> deploys may load only from these directories / URL prefixes (repeatable)
          --audit-log <file|-|none>  one JSON line per tool call (default: stderr)
          --max-traces <n>       Trace-/Measure- calls running at once; more are refused (default 4)
          --quota-programs <n>   programs one session may have installed (default 32)
          --quota-maps <n>       maps one session may have installed (default 64)
          --quota-memlock <MiB>  kernel memory one session's programs and maps may lock (default 256)
        """;

    public static BridgeOptions Parse(string[] args)
    {
        var o = new BridgeOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number(int min, int max)
            {
                var name = args[i];
                var text = Value();
                return int.TryParse(text, out var n) && n >= min && n <= max ? n : throw new ArgumentException($"{name} takes a number from {min} to {max}, not '{text}'.");
            }
            o = args[i] switch
            {
                "-t" or "--transport" => o with { Transport = Value().ToLowerInvariant() },
                "--listen" => o with { Listen = Value() },
                "--port" => o with { Port = Number(1, 65535) },
                "--allow-deploy" => o with { AllowDeploy = true },
                "--token-file" => o with { TokenFile = Value() },
                "--module" => o with { Modules = [.. o.Modules, Path.GetFullPath(Value())] },
                "--max-items" => o with { MaxItems = Number(1, 1_000_000) },
                "--max-bytes" => o with { MaxBytes = Number(1024, 256 * 1024 * 1024) },
                "--max-body" => o with { MaxBodyBytes = Number(1024, 1024 * 1024 * 1024) },
                "--pool" => o with { PoolSize = Number(1, 64) },
                "--allow-source" => o with { AllowSources = [.. o.AllowSources, Value()] },
                "--audit-log" => o with { AuditLog = Value() },
                "--max-traces" => o with { MaxTraces = Number(1, 256) },
                "--quota-programs" => o with { QuotaPrograms = Number(1, 10_000) },
                "--quota-maps" => o with { QuotaMaps = Number(1, 10_000) },
                "--quota-memlock" => o with { QuotaMemlockBytes = Number(1, 1024 * 1024) * 1024L * 1024 },
                "-h" or "--help" => throw new HelpRequestedException(),
                var other => throw new ArgumentException($"Unknown option '{other}'."),
            };
        }
        if (o.Transport is not ("stdio" or "http"))
        {
            throw new ArgumentException($"--transport must be stdio or http, not '{o.Transport}'.");
        }
        if (!IPAddress.TryParse(o.Listen, out _) && o.Listen != "localhost")
        {
            throw new ArgumentException($"--listen takes an IP address, not '{o.Listen}'.");
        }
        return o;
    }

    public bool ListensOnLoopback => IsLoopback(Listen);

    private static bool IsLoopback(string address) => address == "localhost" || (IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip));
}

public sealed class HelpRequestedException : Exception;
