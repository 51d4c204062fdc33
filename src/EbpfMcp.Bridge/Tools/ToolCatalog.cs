using System.Management.Automation;
using System.Reflection;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// The tools, reflected at start from the cmdlets the served modules export: no cmdlet is named
/// here, so a new cmdlet in the module is a new tool.
/// </summary>
public sealed class ToolCatalog
{
    private static readonly string[] ReadOnlyVerbs = [VerbsCommon.Get, VerbsDiagnostic.Trace, VerbsDiagnostic.Measure, VerbsDiagnostic.Test, VerbsCommon.Find, VerbsCommon.Search];
    private static readonly string[] KernelChangingVerbs = [VerbsLifecycle.Install, VerbsLifecycle.Uninstall];

    private readonly Dictionary<string, ToolDefinition> tools;

    private ToolCatalog(IEnumerable<ToolDefinition> tools) =>
        this.tools = tools.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);

    public IEnumerable<ToolDefinition> All => tools.Values.OrderBy(t => t.Name, StringComparer.Ordinal);

    public ToolDefinition? Find(string name) => tools.GetValueOrDefault(name);

    public static ToolCatalog Reflect(PowerShellHost host)
    {
        var modules = host.Modules.Select(m => Path.GetFileNameWithoutExtension(m)).ToArray();
        var commands = host.Invoke("Get-Command", new() { ["Module"] = modules, ["CommandType"] = CommandTypes.Cmdlet })
            .Select(o => o.BaseObject).OfType<CmdletInfo>().ToList();
        var (unavailable, noTracer) = UnavailableTracers(host);
        return new ToolCatalog(commands.Select(c => Describe(host, c, unavailable.GetValueOrDefault(c.Name) ?? (IsTrace(c.Verb) ? noTracer : null))));
    }

    /// <summary>
    /// Tracers this kernel cannot run, with the reason: what Get-BpfFeature -Category Tracer says
    /// (the same answer a pwsh user gets).
    /// </summary>
    private static (Dictionary<string, string> ByTracer, string? Everyone) UnavailableTracers(PowerShellHost host)
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

    private static ToolDefinition Describe(PowerShellHost host, CmdletInfo cmdlet, string? unavailable)
    {
        var type = cmdlet.ImplementingType;
        var all = ToolParameter.Reflect(type).ToList();
        // -Owner is the session: the bridge binds it, a client never sees it.
        var parameters = all.Where(p => !string.Equals(p.Name, ToolDefinition.OwnerParameter, StringComparison.OrdinalIgnoreCase)).ToList();
        var help = ReadHelp(host, cmdlet.Name);
        foreach (var p in parameters)
        {
            p.Description = help.Parameters.GetValueOrDefault(p.Name, "");
        }
        var cmdletAttribute = type.GetCustomAttribute<CmdletAttribute>()!;
        var sets = parameters.SelectMany(p => p.Sets.Select(s => s.ParameterSetName)).Where(s => s != ParameterAttribute.AllParameterSets).Distinct().ToList();
        if (sets.Count == 0)
        {
            sets.Add(ParameterAttribute.AllParameterSets);
        }
        var outputTypes = type.GetCustomAttributes<OutputTypeAttribute>().SelectMany(a => a.Type).Select(t => t.Type).Where(t => t is not null).ToList();
        bool changesKernel = KernelChangingVerbs.Contains(cmdletAttribute.VerbName);
        bool readOnly = ReadOnlyVerbs.Contains(cmdletAttribute.VerbName);
        // A tracer this kernel cannot run stays listed, and its description says why up front,
        // so an agent learns it before calling rather than from a failure.
        var description = ComposeDescription(help, parameters, sets);
        if (unavailable is not null)
        {
            description = $"NOT AVAILABLE ON THIS KERNEL: {unavailable}.\n\n{description}";
        }
        return new ToolDefinition
        {
            Name = cmdlet.Name,
            CmdletType = type,
            Parameters = parameters,
            ParameterSets = sets,
            DefaultParameterSet = cmdletAttribute.DefaultParameterSetName ?? sets[0],
            Description = description,
            InputSchema = InputSchemaBuilder.Build(parameters, sets),
            OutputSchema = OutputSchemaBuilder.Build(outputTypes!),
            ChangesKernel = changesKernel,
            Verb = cmdletAttribute.VerbName,
            TakesOwner = all.Count != parameters.Count,
            IsTrace = IsTrace(cmdletAttribute.VerbName),
            Annotations = new ToolAnnotations
            {
                Title = cmdlet.Name,
                ReadOnlyHint = readOnly,
                DestructiveHint = changesKernel,
                IdempotentHint = readOnly,
                // A tool that can fetch from a URL reaches outside this host.
                OpenWorldHint = parameters.Any(p => p.Name == "Uri"),
            },
        };
    }

    private sealed record HelpText(string Synopsis, string Description, Dictionary<string, string> Parameters);

    private static HelpText ReadHelp(PowerShellHost host, string name)
    {
        // The same text Get-Help shows.
        var result = host.Run("""
            param($n)
            $h = Get-Help $n -Full
            @{
                Synopsis = [string]$h.Synopsis
                Description = (@($h.description) | ForEach-Object { $_.Text }) -join "`n`n"
                Parameters = @{} + (@($h.parameters.parameter) | Where-Object { $_ } | ForEach-Object -Begin { $t = @{} } -Process { $t[$_.name] = (@($_.description) | ForEach-Object { $_.Text }) -join ' ' } -End { $t })
            }
            """, new Dictionary<string, object?> { ["n"] = name }).Single().BaseObject as System.Collections.Hashtable;
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (result?["Parameters"] is System.Collections.Hashtable table)
        {
            foreach (System.Collections.DictionaryEntry e in table)
            {
                parameters[e.Key.ToString()!] = e.Value?.ToString() ?? "";
            }
        }
        return new HelpText(result?["Synopsis"]?.ToString()?.Trim() ?? name, result?["Description"]?.ToString()?.Trim() ?? "", parameters);
    }

    private static string ComposeDescription(HelpText help, List<ToolParameter> parameters, List<string> sets)
    {
        var text = string.IsNullOrEmpty(help.Description) ? help.Synopsis : $"{help.Synopsis}\n\n{help.Description}";
        if (sets.Count > 1)
        {
            var forms = sets.Select(s => $"{s}: {string.Join(", ", parameters.Where(p => p.IsIn(s)).Select(p => p.IsMandatoryIn(s) ? p.Name + " (required)" : p.Name))}");
            text += "\n\nArgument sets (use one): " + string.Join("; ", forms) + ".";
        }
        return text;
    }
}
