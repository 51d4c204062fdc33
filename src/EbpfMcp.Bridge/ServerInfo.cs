using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge;

/// <summary>What the server says about itself at initialize.</summary>
public static class ServerInfo
{
    public static void Configure(McpServerOptions options)
    {
        options.ServerInfo = new Implementation { Name = "ebpf-mcp", Version = typeof(ServerInfo).Assembly.GetName().Version?.ToString(3) ?? "0.1.0" };
        options.ServerInstructions =
            "Kernel observability through eBPF on this Linux host. Start with Get-BpfKernelInfo (what the kernel allows), " +
            "Get-BpfHook (loaded programs and their attach points) and Get-BpfMap (maps; -Dump reads entries). " +
            "Every tool is a PowerShell cmdlet of the EbpfMcp module; arguments are its parameters.";
        options.Capabilities ??= new ServerCapabilities();
        options.Capabilities.Logging ??= new LoggingCapability();
    }
}
