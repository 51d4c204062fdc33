using System.Collections;
using System.Management.Automation;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// The tools, reflected at start from the commands the served modules export: binary cmdlets and
/// advanced functions of script modules alike. No command is named here, so a new cmdlet in the
/// module is a new tool.
/// </summary>
public sealed class ToolCatalog
{
    private static readonly string[] ReadOnlyVerbs = [VerbsCommon.Get, VerbsDiagnostic.Trace, VerbsDiagnostic.Measure, VerbsDiagnostic.Test, VerbsCommon.Find, VerbsCommon.Search];
    private static readonly string[] KernelChangingVerbs = [VerbsLifecycle.Install, VerbsLifecycle.Uninstall];

    /// <summary>A parameter described identically by this many tools is described once, for all of them.</summary>
    public const int SharedFrom = 3;

    private readonly Dictionary<string, ToolDefinition> tools;

    /// <remarks>
    /// Arguments that several tools share (a tracer's Duration, ProcessName, ...) are described once,
    /// in <see cref="SharedParameters"/>, and left undescribed in each tool's schema: tools/list
    /// stays small as the tool set grows.
    /// </remarks>
    public ToolCatalog(IEnumerable<ToolDefinition> tools)
    {
        this.tools = tools.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);
        var described = this.tools.Values.SelectMany(t => t.Parameters.Where(p => p.Description.Length > 0)
            .Select(p => (Tool: t, p.Name, Description: ToolDescription.ParameterDescription(p.Description, t.Parameters)))).ToList();
        // Per name, the description most tools give, when at least SharedFrom give it word for word.
        SharedParameters = described.GroupBy(d => d.Name)
            .Select(g => g.GroupBy(d => d.Description).MaxBy(same => same.Count())!)
            .Where(same => same.Count() >= SharedFrom)
            .ToDictionary(same => same.First().Name, same => same.Key);
        foreach (var (tool, name, description) in described)
        {
            if (SharedParameters.TryGetValue(name, out var shared) && shared == description)
            {
                tool.InputSchema["properties"]![name]!.AsObject().Remove("description");
            }
        }
        SharedOutputs = ShareOutputShapes([.. this.tools.Values]);
    }

    /// <summary>
    /// Output types that SharedFrom or more tools return (BpfEventGroup, BpfTraceJob, ...) are
    /// described once: each tool's schema keeps only their title. Other titles are dropped.
    /// Returns the shared shapes, and the abstract bases' properties, as text for the instructions.
    /// </summary>
    private static IReadOnlyList<string> ShareOutputShapes(IReadOnlyList<ToolDefinition> tools)
    {
        var itemSchemas = tools.SelectMany(t => ItemSchemas(t.OutputSchema)).ToList();
        var shared = itemSchemas.GroupBy(s => (string?)s["title"]).Where(g => g.Key is not null && g.Count() >= SharedFrom)
            .ToDictionary(g => g.Key!, g => g.First().ToJsonString());
        foreach (var schema in itemSchemas)
        {
            if (shared.ContainsKey((string)schema["title"]!))
            {
                foreach (var key in schema.Select(p => p.Key).Where(k => k != "title").ToList())
                {
                    schema.Remove(key);
                }
            }
            else
            {
                schema.Remove("title");
            }
        }
        var shapes = shared.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"Items titled {s.Key} are {s.Value}.");
        return [.. shapes, .. OutputSchemaBuilder.InheritedShapes(tools.SelectMany(t => t.OutputTypes))];
    }

    /// <summary>The item schemas of an output schema (one, or the branches of its anyOf) that have a title.</summary>
    private static IEnumerable<JsonObject> ItemSchemas(JsonObject outputSchema)
    {
        var items = outputSchema["properties"]?["items"]?["items"] as JsonObject;
        var branches = items?["anyOf"] is JsonArray anyOf ? anyOf.OfType<JsonObject>() : items is null ? [] : [items];
        return branches.Where(b => b.ContainsKey("title"));
    }

    /// <summary>Output types several tools share, and the properties abstract bases give items, said once in the instructions.</summary>
    public IReadOnlyList<string> SharedOutputs { get; }

    /// <summary>Argument name → the description its tools share (said once, in the server's instructions).</summary>
    public IReadOnlyDictionary<string, string> SharedParameters { get; }

    public IEnumerable<ToolDefinition> All => tools.Values.OrderBy(t => t.Name, StringComparer.Ordinal);

    public ToolDefinition? Find(string name) => tools.GetValueOrDefault(name);

    /// <summary>Commands of the served modules that cannot be tools (simple functions), with why.</summary>
    public IReadOnlyList<string> Skipped { get; private init; } = [];

    /// <param name="probeKernel">Ask the kernel which tracers can run here; off when a listing is written at build.</param>
    /// <param name="readHelp">
    /// Describe the tools from their help (seconds: Get-Help parses every help file); off when the
    /// descriptions are already known from the tool listing and only calls need the catalog.
    /// </param>
    public static ToolCatalog Reflect(PowerShellHost host, bool probeKernel = true, bool readHelp = true)
    {
        var modules = host.Modules.Select(m => Path.GetFileNameWithoutExtension(m)).ToArray();
        var commands = host.Invoke("Get-Command", new() { ["Module"] = modules, ["CommandType"] = CommandTypes.Cmdlet | CommandTypes.Function })
            .Select(o => o.BaseObject).OfType<CommandInfo>().ToList();
        // A simple function has no parameter sets, validation or help a schema could come from.
        var skipped = commands.OfType<FunctionInfo>().Where(f => !f.CmdletBinding)
            .Select(f => $"{f.Name} (module {f.ModuleName}) is a simple function, not an advanced function ([CmdletBinding()]): not served.").ToList();
        var (unavailable, noTracer) = probeKernel ? UnavailableTracers(host) : ([], null);
        var served = commands.Where(c => c is CmdletInfo || c is FunctionInfo { CmdletBinding: true });
        return new ToolCatalog(served.Select(c => Describe(host, c, unavailable.GetValueOrDefault(c.Name) ?? (IsTrace(Verb(c)) ? noTracer : null), readHelp)))
        {
            Skipped = skipped,
        };
    }

    /// <summary>
    /// Tracers this kernel cannot run, with the reason: what Get-BpfFeature -Category Tracer says
    /// (the same answer a pwsh user gets).
    /// </summary>
    public static (Dictionary<string, string> ByTracer, string? Everyone) UnavailableTracers(PowerShellHost host)
    {
        try
        {
            var unavailable = host.Invoke("Get-BpfFeature", new() { ["Category"] = new[] { "Tracer" } })
                .Where(f => f.Properties["Supported"]?.Value is false)
                .ToDictionary(f => (string)f.Properties["Name"].Value, f => (string)f.Properties["Reason"].Value, StringComparer.OrdinalIgnoreCase);
            return (unavailable, null);
        }
        catch (Exception e) when (e is InvalidOperationException or RuntimeException)
        {
            // No libbpf, say: no tracer can run, for the same reason; the other tools still serve.
            return ([], e.Message);
        }
    }

    private static bool IsTrace(string verb) => verb is VerbsDiagnostic.Trace or VerbsDiagnostic.Measure;

    private static string Verb(CommandInfo command) => command switch
    {
        CmdletInfo c => c.Verb,
        FunctionInfo f => f.Verb,
        _ => "",
    };

    private static ToolDefinition Describe(PowerShellHost host, CommandInfo command, string? unavailable, bool readHelp)
    {
        var verb = Verb(command);
        bool changesKernel = KernelChangingVerbs.Contains(verb);
        var all = ToolParameter.Reflect(command).ToList();
        // -Owner is the session, -ExcludeProcessId the bridge itself, and a deploy's limits are the
        // bridge's: bound by the bridge, never seen by a client.
        var bound = all.Where(p => ToolDefinition.HostParameters.Contains(p.Name) || (changesKernel && DeployPolicy.BoundParameters.Contains(p.Name)))
            .Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var parameters = all.Where(p => !bound.Contains(p.Name)).ToList();
        var help = readHelp ? ReadHelp(host, command.Name) : new ToolDescription.Help(command.Name, new Dictionary<string, string>(), []);
        foreach (var p in parameters)
        {
            p.Description = help.Parameters.GetValueOrDefault(p.Name, "");
        }
        var sets = parameters.SelectMany(p => p.Sets.Keys).Where(s => s != ParameterAttribute.AllParameterSets).Distinct().ToList();
        if (sets.Count == 0)
        {
            sets.Add(ParameterAttribute.AllParameterSets);
        }
        var outputTypes = command.OutputType.Select(t => t.Type).OfType<Type>().ToList();
        bool readOnly = ReadOnlyVerbs.Contains(verb);
        return new ToolDefinition
        {
            Name = command.Name,
            Parameters = parameters,
            BoundParameters = bound,
            ParameterSets = sets,
            Description = ToolDescription.Compose(command.Name, help, parameters, sets, unavailable),
            InputSchema = InputSchemaBuilder.Build(parameters, sets),
            OutputSchema = OutputSchemaBuilder.Build(outputTypes),
            OutputTypes = outputTypes,
            ChangesKernel = changesKernel,
            Verb = verb,
            IsTrace = IsTrace(verb),
            Unavailable = unavailable,
            // Only the hints that say something: destructive and idempotent mean nothing for a
            // read-only tool, and MCP's defaults (not read-only, destructive, open world) need no words.
            Annotations = new ToolAnnotations
            {
                ReadOnlyHint = readOnly ? true : null,
                DestructiveHint = changesKernel ? true : readOnly ? null : false,
                // A tool that can fetch from a URL reaches outside this host.
                OpenWorldHint = parameters.Any(p => p.Name == "Uri") ? true : false,
            },
        };
    }

    private static ToolDescription.Help ReadHelp(PowerShellHost host, string name)
    {
        // The same text Get-Help shows (MAML for cmdlets, comment-based help for functions).
        var result = host.Run("""
            param($n)
            $h = Get-Help $n -Full
            @{
                Synopsis = [string]$h.Synopsis
                Parameters = @{} + (@($h.parameters.parameter) | Where-Object { $_ } | ForEach-Object -Begin { $t = @{} } -Process { $t[$_.name] = (@($_.description) | ForEach-Object { $_.Text }) -join ' ' } -End { $t })
                Examples = @(@($h.examples.example) | Where-Object { $_ } | ForEach-Object { [string]$_.code })
            }
            """, new Dictionary<string, object?> { ["n"] = name }).Single().BaseObject as Hashtable;
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (result?["Parameters"] is Hashtable table)
        {
            foreach (DictionaryEntry e in table)
            {
                parameters[e.Key.ToString()!] = e.Value?.ToString() ?? "";
            }
        }
        var examples = (result?["Examples"] as IEnumerable)?.Cast<object>().Select(o => o.ToString() ?? "").ToList() ?? [];
        var synopsis = result?["Synopsis"]?.ToString()?.Trim();
        // Without help, Get-Help's synopsis is the syntax line: PowerShell wording an agent cannot use.
        return new ToolDescription.Help(string.IsNullOrEmpty(synopsis) || synopsis.StartsWith(name, StringComparison.OrdinalIgnoreCase) ? name : synopsis, parameters, examples);
    }
}
