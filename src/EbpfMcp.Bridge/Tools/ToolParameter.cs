using System.Management.Automation;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// One command parameter as a tool argument: its .NET type, the sets it belongs to (and where it is
/// mandatory), and its validation attributes. Read from PowerShell's parameter metadata, which a
/// binary cmdlet and an advanced function of a script module describe equally well.
/// </summary>
public sealed class ToolParameter
{
    public required string Name { get; init; }
    public required Type Type { get; init; }
    /// <summary>Set name → mandatory in that set (<see cref="ParameterAttribute.AllParameterSets"/> for all).</summary>
    public required IReadOnlyDictionary<string, bool> Sets { get; init; }
    public required IReadOnlyList<ValidateArgumentsAttribute> Validators { get; init; }
    public string Description { get; set; } = "";

    public bool IsSwitch => Type == typeof(SwitchParameter);

    public bool IsMandatoryIn(string set) => (Sets.TryGetValue(set, out var m) && m) || (Sets.TryGetValue(ParameterAttribute.AllParameterSets, out var all) && all);

    public bool IsIn(string set) => Sets.ContainsKey(set) || Sets.ContainsKey(ParameterAttribute.AllParameterSets);

    /// <summary>
    /// The parameters a JSON client can supply: not the common ones (-Verbose, -WhatIf, ...), and
    /// not objects that only arrive through the pipeline.
    /// </summary>
    public static IEnumerable<ToolParameter> Reflect(CommandInfo command) =>
        command.Parameters.Values
            .Where(p => !Cmdlet.CommonParameters.Contains(p.Name) && !Cmdlet.OptionalCommonParameters.Contains(p.Name))
            .Where(p => !((p.ParameterType == typeof(object) || p.ParameterType == typeof(PSObject)) && p.ParameterSets.Values.All(s => s.ValueFromPipeline)))
            .Select(p => new ToolParameter
            {
                Name = p.Name,
                Type = p.ParameterType,
                Sets = p.ParameterSets.ToDictionary(s => s.Key, s => s.Value.IsMandatory),
                Validators = [.. p.Attributes.OfType<ValidateArgumentsAttribute>()],
            });
}
