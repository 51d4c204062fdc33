using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Bridge.Tools;

/// <summary>A cmdlet served as an MCP tool: everything tools/list says and tools/call needs.</summary>
public sealed class ToolDefinition
{
    public required string Name { get; init; }
    public required Type CmdletType { get; init; }
    public required IReadOnlyList<ToolParameter> Parameters { get; init; }
    public required IReadOnlyList<string> ParameterSets { get; init; }
    public required string DefaultParameterSet { get; init; }
    public required string Description { get; init; }
    public required JsonObject InputSchema { get; init; }
    public required JsonObject OutputSchema { get; init; }
    public required ToolAnnotations Annotations { get; init; }
    /// <summary>Install-/Uninstall- tools: listed and callable only with --allow-deploy.</summary>
    public required bool ChangesKernel { get; init; }
    /// <summary>The cmdlet's verb (Get, Install, Trace, ...).</summary>
    public required string Verb { get; init; }
    /// <summary>The cmdlet has an -Owner parameter, which the bridge binds to the calling session.</summary>
    public required bool TakesOwner { get; init; }
    public const string OwnerParameter = "Owner";
    /// <summary>Trace-/Measure- tools: they hold kernel hooks for their duration, so their concurrency is capped.</summary>
    public required bool IsTrace { get; init; }

    private Tool? protocol;

    /// <summary>The tools/list entry, built once: the definition never changes after start.</summary>
    public Tool ToProtocol() => protocol ??= new()
    {
        Name = Name,
        Description = Description,
        InputSchema = System.Text.Json.JsonSerializer.SerializeToElement(InputSchema),
        OutputSchema = System.Text.Json.JsonSerializer.SerializeToElement(OutputSchema),
        Annotations = Annotations,
    };
}
