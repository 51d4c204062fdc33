using System.Collections;
using System.Management.Automation;
using System.Reflection;
using System.Text.Json.Nodes;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// JSON Schema for a tool's structuredContent, from the command's [OutputType]: an object whose
/// "items" are shaped like the output type's public properties (one level deep; nested values are
/// typed as object or array). The wrapper's other fields (count, total, truncated, error) are the
/// same for every tool, so they are described once, in the server's instructions, not per tool.
/// </summary>
public static class OutputSchemaBuilder
{
    /// <summary>What the server's instructions say about every result, once.</summary>
    public const string ResultShape =
        "Every tool returns structuredContent {items, count, total, truncated}: items are the objects found (at most the server's cap, " +
        "then truncated is true and total says how many there were), and on failure isError with error {errorId, category, message, target, errno, verifierLog}.";

    public static JsonObject Build(IReadOnlyList<Type> outputTypes)
    {
        var itemTypes = outputTypes.Where(t => t != typeof(void)).Distinct().ToList();
        JsonNode items = itemTypes.Count switch
        {
            0 => new JsonObject(),
            1 => ForItem(itemTypes[0]),
            _ => new JsonObject { ["anyOf"] = new JsonArray([.. itemTypes.Select(t => (JsonNode)ForItem(t))]) },
        };
        return new JsonObject
        {
            ["type"] = "object",
            // "items" is always there (the instructions say so once); no "required" in every tool.
            ["properties"] = new JsonObject { ["items"] = new JsonObject { ["type"] = "array", ["items"] = items } },
        };
    }

    /// <summary>
    /// One output object: its properties with their JSON types, titled with the type's name (the
    /// catalog describes a type many tools return once, by that title). Properties an abstract base
    /// class gives many types (the event context of every trace event) are left out here and
    /// described once, by <see cref="InheritedShapes"/>.
    /// </summary>
    public static JsonObject ForItem(Type type)
    {
        var kind = Kind(type);
        if (kind != "object" || type == typeof(object) || IsDictionary(type))
        {
            return kind is null ? new JsonObject() : new JsonObject { ["type"] = kind };
        }
        var properties = new JsonObject();
        foreach (var p in Properties(type).Where(p => p.DeclaringType is not { IsAbstract: true }))
        {
            properties[p.Name] = Kind(p.PropertyType) is { } k ? new JsonObject { ["type"] = k } : new JsonObject();
        }
        return new JsonObject { ["title"] = type.Name, ["type"] = "object", ["properties"] = properties };
    }

    /// <summary>
    /// The abstract base classes of these output types and the properties they give every item
    /// ("BpfTraceEvent: Timestamp (string), ProcessName (string), ..."), for the server's instructions.
    /// </summary>
    public static IEnumerable<string> InheritedShapes(IEnumerable<Type> outputTypes) =>
        outputTypes.SelectMany(t => Properties(t).Select(p => p.DeclaringType).OfType<Type>().Where(d => d.IsAbstract)).Distinct()
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .Select(b => $"Items that are a {b.Name} (see each tool's title) also have: " +
                string.Join(", ", Properties(b).Select(p => $"{p.Name} ({Kind(p.PropertyType) ?? "any"})")) + ".");

    private static bool IsDictionary(Type t) =>
        typeof(IDictionary).IsAssignableFrom(t) || t.GetInterfaces().Append(t).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>));

    /// <summary>The JSON type <see cref="JsonOutput"/> renders a value of this type as; null for anything.</summary>
    public static string? Kind(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string) || t == typeof(char) || t.IsEnum || t == typeof(Guid) || t == typeof(Uri) || t == typeof(DateTime) || t == typeof(DateTimeOffset))
        {
            return "string";
        }
        if (t == typeof(bool) || t == typeof(System.Management.Automation.SwitchParameter))
        {
            return "boolean";
        }
        if (t == typeof(float) || t == typeof(double) || t == typeof(decimal) || t == typeof(TimeSpan))
        {
            return "number"; // a TimeSpan in seconds
        }
        if (t.IsPrimitive && t != typeof(IntPtr) && t != typeof(UIntPtr))
        {
            return "integer";
        }
        if (t == typeof(object) || t == typeof(System.Management.Automation.PSObject))
        {
            return null; // BTF-decoded values, hex strings, anything
        }
        if (IsDictionary(t))
        {
            return "object";
        }
        return t.IsArray || typeof(IEnumerable).IsAssignableFrom(t) ? "array" : "object";
    }

    /// <summary>
    /// The data properties of a type: public, not indexers, and not the PowerShell engine's own
    /// plumbing (a Job subclass is its own properties, not its Output/Error collections and handles).
    /// </summary>
    public static IReadOnlyList<PropertyInfo> Properties(Type t) =>
        PropertiesByType.GetOrAdd(t, static t => [.. t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true } && p.DeclaringType?.Assembly != typeof(PSObject).Assembly)]);

    // Every item of every call is rendered through this list: reflected once per type, not per item.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, PropertyInfo[]> PropertiesByType = new();
}
