using System.Collections;
using System.Globalization;
using System.Text.Json;

namespace EbpfMcp.Bridge.Tools;

/// <summary>A tool argument that cannot be used, named so the client can fix it.</summary>
public sealed class ToolArgumentException(string argument, string message) : Exception(message)
{
    public string Argument { get; } = argument;
}

/// <summary>
/// Turns JSON tool arguments into command parameter values: names are matched case-insensitively,
/// values converted to the parameter's type; unknown names, wrong types or formats and missing
/// mandatory arguments are refused with the argument named (never an unhandled exception).
/// Validation attributes run in PowerShell's own parameter binding afterwards.
/// </summary>
public static class ArgumentBinder
{
    public static Hashtable Bind(ToolDefinition tool, IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        var bound = new Hashtable(StringComparer.OrdinalIgnoreCase);
        if ((arguments is null || arguments.Count == 0) && tool.CallableWithoutArguments)
        {
            return bound;
        }
        foreach (var (name, value) in arguments ?? new Dictionary<string, JsonElement>())
        {
            var parameter = tool.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ToolArgumentException(name, $"Unknown argument '{name}'. {tool.Name} takes: {string.Join(", ", tool.Parameters.Select(p => p.Name))}.");
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            bound[parameter.Name] = Convert(parameter.Name, parameter.Type, value);
        }
        CheckMandatory(tool, bound);
        return bound;
    }

    private static void CheckMandatory(ToolDefinition tool, Hashtable bound)
    {
        var given = bound.Keys.Cast<string>().ToList();
        // Sets that contain every given argument; one of them must have all its mandatory ones.
        var candidates = tool.ParameterSets.Where(s => given.All(g => tool.Parameters.First(p => p.Name == g).IsIn(s))).ToList();
        if (candidates.Count == 0)
        {
            throw new ToolArgumentException(given.LastOrDefault() ?? "", $"The arguments {string.Join(", ", given)} cannot be used together with {tool.Name}.");
        }
        var missingPerSet = candidates.Select(s => tool.Parameters.Where(p => p.IsMandatoryIn(s) && !bound.ContainsKey(p.Name)).Select(p => p.Name).ToList()).ToList();
        if (missingPerSet.Any(m => m.Count == 0))
        {
            return;
        }
        var missing = missingPerSet.OrderBy(m => m.Count).First();
        throw new ToolArgumentException(missing[0], $"Missing required argument{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} for {tool.Name}.");
    }

    /// <summary>One JSON value as a value of the parameter's type; every failure names the argument.</summary>
    public static object Convert(string name, Type type, JsonElement value)
    {
        if (type.IsArray)
        {
            var elementType = type.GetElementType()!;
            var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
            var array = Array.CreateInstance(elementType, items.Count);
            for (int i = 0; i < items.Count; i++)
            {
                array.SetValue(Convert(name, elementType, items[i]), i);
            }
            return array;
        }
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(object) || t == typeof(System.Management.Automation.PSObject))
        {
            return Untyped(value);
        }
        if (t == typeof(System.Management.Automation.SwitchParameter) || t == typeof(bool))
        {
            bool b = value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Wrong(name, "a boolean (true or false)", value),
            };
            return t == typeof(bool) ? b : new System.Management.Automation.SwitchParameter(b);
        }
        if (t == typeof(string))
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.Number => value.GetRawText(),
                _ => throw Wrong(name, "a string", value),
            };
        }
        if (t == typeof(Uri))
        {
            return value.ValueKind == JsonValueKind.String && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri)
                ? uri : throw Wrong(name, "an absolute URI", value);
        }
        if (t.IsEnum)
        {
            return value.ValueKind == JsonValueKind.String && Enum.TryParse(t, value.GetString(), ignoreCase: true, out var e) && Enum.IsDefined(t, e!)
                ? e! : throw Wrong(name, $"one of {string.Join(", ", Enum.GetNames(t))}", value);
        }
        if (t.IsPrimitive || t == typeof(decimal))
        {
            bool real = t == typeof(double) || t == typeof(float);
            var expected = real || t == typeof(decimal) ? $"a number ({t.Name})" : $"a whole number ({t.Name})";
            // Numbers, or numeric strings (some clients quote numbers).
            var text = value.ValueKind switch
            {
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.String => value.GetString()!,
                _ => throw Wrong(name, expected, value),
            };
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
            {
                throw Wrong(name, expected, value);
            }
            if (real)
            {
                return t == typeof(double) ? number : float.IsFinite((float)number) ? (object)(float)number : throw OutOfRange(name, t, value);
            }
            if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                throw OutOfRange(name, t, value);
            }
            if (t != typeof(decimal) && d != decimal.Truncate(d))
            {
                throw Wrong(name, expected, value);
            }
            try
            {
                return System.Convert.ChangeType(d, t, CultureInfo.InvariantCulture);
            }
            catch (OverflowException)
            {
                throw OutOfRange(name, t, value);
            }
        }
        if (t == typeof(TimeSpan))
        {
            // Seconds, as the output renders durations.
            return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && Math.Abs(seconds) < TimeSpan.MaxValue.TotalSeconds
                ? TimeSpan.FromSeconds(seconds) : throw Wrong(name, "a number of seconds", value);
        }
        throw new ToolArgumentException(name, $"Argument '{name}' has a type ({t.Name}) the bridge cannot take from JSON.");
    }

    /// <summary>A value for an untyped parameter: strings, numbers, booleans, arrays and objects as PowerShell would see them.</summary>
    private static object Untyped(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => value.TryGetInt64(out var l) ? (object)l : value.GetDouble(),
        JsonValueKind.Array => value.EnumerateArray().Select(Untyped).ToArray(),
        JsonValueKind.Object => new Hashtable(value.EnumerateObject().ToDictionary(p => p.Name, p => Untyped(p.Value)), StringComparer.OrdinalIgnoreCase),
        _ => "",
    };

    private static ToolArgumentException OutOfRange(string name, Type t, JsonElement value) =>
        new(name, $"Argument '{name}' is out of range for {t.Name}: {Shorten(value.GetRawText())}.");

    private static ToolArgumentException Wrong(string name, string expected, JsonElement value) =>
        new(name, $"Argument '{name}' must be {expected}, not {value.ValueKind.ToString().ToLowerInvariant()} {Shorten(value.GetRawText())}.");

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
