using System.Management.Automation.Language;
using System.Text.Json.Nodes;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// A tool's description for an agent, short by construction: the help's synopsis (what the tool
/// answers), typical arguments as JSON (taken from the help's examples, so nothing is written
/// twice and no PowerShell syntax reaches the agent), and the argument sets when there are several.
/// </summary>
public static partial class ToolDescription
{
    private const int MaxExamples = 2;
    private const int MaxSecondExample = 40;
    private const int MaxParameterDescription = 100;

    public sealed record Help(string Synopsis, IReadOnlyDictionary<string, string> Parameters, IReadOnlyList<string> ExampleCode);

    public static string Compose(string name, Help help, IReadOnlyList<ToolParameter> parameters, IReadOnlyList<string> sets, string? unavailable)
    {
        var text = WithoutDashes(help.Synopsis, parameters);
        // Examples that differ only in values teach nothing new: one per set of argument names.
        // A second example only when it is short: every byte here is in every tools/list.
        var typical = help.ExampleCode.Select(code => TypicalArguments(name, code, parameters)).OfType<JsonObject>()
            .DistinctBy(a => string.Join(",", a.Select(p => p.Key).Order(StringComparer.Ordinal))).Take(MaxExamples).Select(Inline)
            .Where((example, i) => i == 0 || example.Length <= MaxSecondExample).ToList();
        if (typical.Count > 0)
        {
            text += " E.g. " + string.Join("; or ", typical) + ".";
        }
        if (sets.Count > 1)
        {
            text += " Use one form: " + string.Join("; or ", sets.Select(s => Form(s, parameters))) + ".";
        }
        // A tool this kernel cannot run stays listed, and says why up front, so an agent learns it
        // before calling rather than from a failure.
        return unavailable is null ? text : $"NOT AVAILABLE ON THIS KERNEL: {unavailable}. {text}";
    }

    /// <summary>One parameter set as an agent needs it: "Dump, Id (also First)": what it requires, then what else only it takes.</summary>
    private static string Form(string set, IReadOnlyList<ToolParameter> parameters)
    {
        var own = parameters.Where(p => p.Sets.ContainsKey(set)).ToList();
        var required = own.Where(p => p.IsMandatoryIn(set)).Select(p => p.Name).ToList();
        var optional = own.Where(p => !p.IsMandatoryIn(set)).Select(p => p.Name).ToList();
        return required.Count == 0 ? string.Join(", ", optional)
            : optional.Count == 0 ? string.Join(", ", required)
            : $"{string.Join(", ", required)} (also {string.Join(", ", optional)})";
    }

    /// <summary>PowerShell writes a parameter as -Name; an agent passes an argument called Name.</summary>
    public static string WithoutDashes(string text, IReadOnlyList<ToolParameter> parameters) =>
        ParameterReference().Replace(text, m => parameters.Any(p => p.Name.Equals(m.Groups[1].Value, StringComparison.OrdinalIgnoreCase)) ? m.Groups[1].Value : m.Value);

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![\w-])-([A-Z][A-Za-z0-9]+)\b")]
    private static partial System.Text.RegularExpressions.Regex ParameterReference();

    /// <summary>
    /// Arguments written for reading, not parsing: Duration=5, Errno=ENOENT, Syscall=[openat, connect].
    /// (JSON here would cost its quotes twice over, escaped inside the description's own JSON.)
    /// </summary>
    public static string Inline(JsonObject arguments) =>
        string.Join(", ", arguments.Select(a => $"{a.Key}={Value(a.Value)}"));

    private static string Value(JsonNode? value) => value switch
    {
        JsonArray list => "[" + string.Join(", ", list.Select(Value)) + "]",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>() is var s && (s.Length == 0 || s.Any(c => c is ',' or ';' or ' ' or '[' or ']')) ? v.ToJsonString(JsonOutput.TextOptions) : s,
        _ => value?.ToJsonString() ?? "null",
    };

    /// <summary>A parameter's help in one sentence (the schema says its type and bounds).</summary>
    public static string ParameterDescription(string help, IReadOnlyList<ToolParameter> parameters)
    {
        var text = WithoutDashes(help.ReplaceLineEndings(" ").Trim(), parameters);
        int end = text.IndexOf(". ", StringComparison.Ordinal);
        if (end > 0)
        {
            text = text[..(end + 1)];
        }
        return text.Length <= MaxParameterDescription ? text : text[..(MaxParameterDescription - 3)].TrimEnd() + "...";
    }

    /// <summary>
    /// The arguments of the first call of <paramref name="name"/> in an example, when they are all
    /// literals (a variable or expression makes the example unusable as JSON): -Duration 5 -FailedOnly
    /// becomes {"Duration":5,"FailedOnly":true}. Read with PowerShell's own parser.
    /// </summary>
    public static JsonObject? TypicalArguments(string name, string code, IReadOnlyList<ToolParameter> parameters)
    {
        var ast = Parser.ParseInput(code, out _, out var errors);
        if (errors.Length > 0 || ast.Find(a => a is CommandAst c && string.Equals(c.GetCommandName(), name, StringComparison.OrdinalIgnoreCase), true) is not CommandAst call)
        {
            return null;
        }
        var arguments = new JsonObject();
        var elements = call.CommandElements;
        for (int i = 1; i < elements.Count; i++)
        {
            if (elements[i] is not CommandParameterAst p
                || parameters.FirstOrDefault(t => t.Name.StartsWith(p.ParameterName, StringComparison.OrdinalIgnoreCase)) is not { } parameter)
            {
                return null; // positional or unknown: the JSON would be a guess
            }
            var argument = p.Argument ?? (!parameter.IsSwitch && i + 1 < elements.Count && elements[i + 1] is not CommandParameterAst ? elements[++i] : null);
            JsonNode? value = argument switch
            {
                null when parameter.IsSwitch => true,
                StringConstantExpressionAst s => s.Value,
                ConstantExpressionAst c => JsonOutput.ToNode(c.Value),
                ArrayLiteralAst list when list.Elements.All(e => e is ConstantExpressionAst) => new JsonArray([.. list.Elements.Cast<ConstantExpressionAst>().Select(e => JsonOutput.ToNode(e.Value))]),
                _ => null,
            };
            if (value is null)
            {
                return null;
            }
            // One value for an array parameter is, for an agent, an array of one.
            arguments[parameter.Name] = parameter.Type.IsArray && value is not JsonArray ? new JsonArray(value) : value;
        }
        return arguments.Count > 0 ? arguments : null;
    }
}
