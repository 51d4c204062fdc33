using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Bridge.Tools;

/// <summary>A command served as an MCP tool: everything tools/list says and tools/call needs.</summary>
public sealed class ToolDefinition
{
    public required string Name { get; init; }
    /// <summary>The parameters a client may give.</summary>
    public required IReadOnlyList<ToolParameter> Parameters { get; init; }
    /// <summary>Parameters the command has that the bridge binds itself (-Owner, deploy limits), never a client.</summary>
    public IReadOnlySet<string> BoundParameters { get; init; } = new HashSet<string>();
    public required IReadOnlyList<string> ParameterSets { get; init; }
    public required string Description { get; init; }
    public required JsonObject InputSchema { get; init; }
    public required JsonObject OutputSchema { get; init; }
    /// <summary>The [OutputType]s the schema was made from.</summary>
    public IReadOnlyList<Type> OutputTypes { get; init; } = [];
    public required ToolAnnotations Annotations { get; init; }
    /// <summary>Install-/Uninstall- tools: listed and callable only with --allow-deploy.</summary>
    public required bool ChangesKernel { get; init; }
    /// <summary>The command's verb (Get, Install, Trace, ...).</summary>
    public required string Verb { get; init; }
    /// <summary>Trace-/Measure- tools: they hold kernel hooks for their duration, so their concurrency is capped.</summary>
    public required bool IsTrace { get; init; }
    /// <summary>Why this kernel cannot run the tool, or null when it can.</summary>
    public string? Unavailable { get; init; }

    public const string OwnerParameter = "Owner";

    /// <summary>Tracers' -ExcludeProcessId: the bridge leaves its own activity out of what agents see.</summary>
    public const string ExcludeProcessIdParameter = "ExcludeProcessId";

    /// <summary>Parameters the bridge binds on every tool that has them: who calls, and who serves.</summary>
    public static readonly IReadOnlySet<string> HostParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { OwnerParameter, ExcludeProcessIdParameter };

    /// <summary>The command has an -Owner parameter, which the bridge binds to the calling session.</summary>
    public bool TakesOwner => BoundParameters.Contains(OwnerParameter);

    private bool? callableWithoutArguments;

    /// <summary>
    /// Some parameter set has no mandatory parameter, so a call without arguments binds (decided
    /// once: most calls of read tools come without any).
    /// </summary>
    public bool CallableWithoutArguments => callableWithoutArguments ??=
        ParameterSets.Any(set => !Parameters.Any(p => p.IsMandatoryIn(set)));

    private Tool? protocol;

    /// <summary>The tools/list entry, built once: the definition never changes after start.</summary>
    public Tool ToProtocol() => protocol ??= new()
    {
        Name = Name,
        Description = Description,
        // Relaxed escaping: an apostrophe costs one byte, not six, in every tools/list.
        InputSchema = System.Text.Json.JsonSerializer.SerializeToElement(InputSchema, JsonOutput.TextOptions),
        OutputSchema = System.Text.Json.JsonSerializer.SerializeToElement(OutputSchema, JsonOutput.TextOptions),
        Annotations = Annotations,
    };
}
