using System.Management.Automation;
using System.Reflection;

namespace EbpfMcp.Bridge.Tools;

/// <summary>One cmdlet parameter as a tool argument: its .NET type, sets, and validation attributes.</summary>
public sealed class ToolParameter
{
    public required string Name { get; init; }
    public required Type Type { get; init; }
    public required IReadOnlyList<ParameterAttribute> Sets { get; init; }
    public required IReadOnlyList<ValidateArgumentsAttribute> Validators { get; init; }
    public string Description { get; set; } = "";

    public bool IsSwitch => Type == typeof(SwitchParameter);

    public bool IsMandatoryIn(string set) => Sets.Any(s => s.Mandatory && (s.ParameterSetName == set || s.ParameterSetName == ParameterAttribute.AllParameterSets));

    public bool IsIn(string set) => Sets.Any(s => s.ParameterSetName == set || s.ParameterSetName == ParameterAttribute.AllParameterSets);

    /// <summary>Parameters a JSON client can supply: not pipeline-only objects.</summary>
    public static IEnumerable<ToolParameter> Reflect(Type cmdletType) =>
        cmdletType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Sets: p.GetCustomAttributes<ParameterAttribute>().ToList()))
            .Where(p => p.Sets.Count > 0 && p.Property.PropertyType != typeof(PSObject) && p.Property.PropertyType != typeof(object))
            .Select(p => new ToolParameter
            {
                Name = p.Property.Name,
                Type = p.Property.PropertyType,
                Sets = p.Sets,
                Validators = [.. p.Property.GetCustomAttributes<ValidateArgumentsAttribute>()],
            });
}
