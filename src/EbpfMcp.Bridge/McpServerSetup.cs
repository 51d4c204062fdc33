using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace EbpfMcp.Bridge;

/// <summary>What both transports' MCP servers are made of: who the server is, its tools, its prompts and its resources.</summary>
public sealed class McpServerSetup(McpToolHandlers tools, IReadOnlyList<McpServerPrompt> prompts, Resources.BridgeResources? resources = null)
{
    /// <summary>The resources and their subscriptions (a session's end ends its subscriptions).</summary>
    public Resources.BridgeResources? Resources => resources;

    public static string Version => typeof(McpServerSetup).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>What the arguments several tools share mean, said once instead of in every tool.</summary>
    private string SharedArguments() => tools.SharedParameters.Count == 0 ? ""
        : " Arguments several tools share: " + string.Join(" ", tools.SharedParameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value}"));

    private readonly List<McpServerPrimitiveCollection<McpServerTool>> collections = [];

    /// <summary>
    /// The engine has learnt something the listing did not know (a tracer this kernel cannot run):
    /// the changed tools are replaced, and the SDK tells connected clients the list changed.
    /// </summary>
    public void Refresh(IReadOnlyCollection<string> changed)
    {
        foreach (var collection in collections)
        {
            foreach (var tool in tools.Tools.Where(t => changed.Contains(t.ProtocolTool.Name)))
            {
                if (collection.TryGetPrimitive(tool.ProtocolTool.Name, out var old))
                {
                    collection.Remove(old);
                }
                collection.Add(tool);
            }
        }
    }

    /// <summary>What the output shapes several tools share look like, said once.</summary>
    private string SharedOutputs() => tools.SharedOutputs.Count == 0 ? "" : " " + string.Join(" ", tools.SharedOutputs);

    public void Configure(McpServerOptions options)
    {
        options.ServerInfo = new Implementation { Name = "ebpf-mcp", Version = Version };
        options.ServerInstructions =
            "Kernel observability through eBPF on this Linux host. Start with Get-BpfKernelInfo (what the kernel allows), " +
            "Get-BpfHook (loaded programs and their attach points) and Get-BpfMap (maps; Dump reads entries); the prompts " +
            "give step-by-step plans for common investigations. " + Tools.OutputSchemaBuilder.ResultShape + SharedArguments() + SharedOutputs() +
            $" Trace-/Measure- calls run at most {tools.MaxCallSeconds} s without AsJob; start longer ones with AsJob=true and collect them with Receive-BpfTrace or Stop-BpfTrace by TraceId, from any connection.";
        options.Capabilities ??= new ServerCapabilities();
        options.Capabilities.Logging ??= new LoggingCapability();
        // Tool names are matched as PowerShell matches command names: in any case.
        options.ToolCollection = new McpServerPrimitiveCollection<McpServerTool>(StringComparer.OrdinalIgnoreCase);
        foreach (var tool in tools.Tools)
        {
            options.ToolCollection.Add(tool);
        }
        collections.Add(options.ToolCollection);
        options.Handlers.CallToolHandler = tools.CallUnlistedAsync;
        resources?.Configure(options);
        if (prompts.Count > 0)
        {
            options.PromptCollection = [];
            foreach (var prompt in prompts)
            {
                options.PromptCollection.Add(prompt);
            }
        }
    }
}
