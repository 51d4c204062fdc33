using System.Collections;
using System.Management.Automation;
using System.Reflection;
using System.Text.Json.Nodes;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// JSON Schema for a tool's structuredContent, from the cmdlet's [OutputType]: an object holding
/// the output items (each shaped like the output type's public properties), the counts, and the
/// error details of a failed call.
/// </summary>
public static class OutputSchemaBuilder
{
    public static JsonObject Build(IReadOnlyList<Type> outputTypes)
    {
        var itemTypes = outputTypes.Where(t => t != typeof(void)).Distinct().ToList();
        JsonNode items = itemTypes.Count switch
        {
            0 => new JsonObject(),
            1 => ForType(itemTypes[0], 0),
            _ => new JsonObject { ["anyOf"] = new JsonArray(itemTypes.Select(t => (JsonNode)ForType(t, 0)).ToArray()) },
        };
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["items"] = new JsonObject { ["type"] = "array", ["items"] = items, ["description"] = "The objects the cmdlet wrote, in order (at most the bridge's item cap)." },
                ["count"] = new JsonObject { ["type"] = "integer", ["description"] = "How many items are in 'items'." },
                ["total"] = new JsonObject { ["type"] = "integer", ["description"] = "How many objects the cmdlet wrote in all." },
                ["truncated"] = new JsonObject { ["type"] = "boolean", ["description"] = "True when items were left out to respect the item or byte cap." },
                ["errors"] = new JsonObject { ["type"] = "array", ["items"] = ErrorSchema(), ["description"] = "Non-terminating errors the cmdlet wrote." },
                ["error"] = ErrorSchema(),
            },
            ["required"] = new JsonArray("items", "count", "total", "truncated"),
        };
    }

    public static JsonObject ErrorSchema() => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["errorId"] = new JsonObject { ["type"] = "string" },
            ["category"] = new JsonObject { ["type"] = "string" },
            ["message"] = new JsonObject { ["type"] = "string" },
            ["target"] = new JsonObject(),
            ["errno"] = new JsonObject { ["type"] = "string" },
            ["verifierLog"] = new JsonObject { ["type"] = "string" },
            ["libbpfLog"] = new JsonObject { ["type"] = "string" },
            ["recommendedAction"] = new JsonObject { ["type"] = "string" },
        },
        ["required"] = new JsonArray("errorId", "category", "message"),
    };

    /// <summary>The schema of one value as <see cref="JsonOutput"/> renders it.</summary>
    public static JsonObject ForType(Type type, int depth)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        bool nullable = !type.IsValueType || Nullable.GetUnderlyingType(type) is not null;
        JsonObject Typed(string name) => nullable ? new JsonObject { ["type"] = new JsonArray(name, "null") } : new JsonObject { ["type"] = name };

        if (t == typeof(string) || t == typeof(char) || t.IsEnum || t == typeof(Guid) || t == typeof(Uri))
        {
            return Typed("string");
        }
        if (t == typeof(DateTime) || t == typeof(DateTimeOffset))
        {
            var s = Typed("string");
            s["format"] = "date-time";
            return s;
        }
        if (t == typeof(TimeSpan))
        {
            return Typed("number"); // seconds
        }
        if (t == typeof(bool))
        {
            return Typed("boolean");
        }
        if (t.IsPrimitive && t != typeof(float) && t != typeof(double) && t != typeof(IntPtr) && t != typeof(UIntPtr))
        {
            return Typed("integer");
        }
        if (t == typeof(float) || t == typeof(double) || t == typeof(decimal))
        {
            return Typed("number");
        }
        if (t == typeof(object) || depth > 4)
        {
            return new JsonObject(); // anything: BTF-decoded values, hex strings, arrays
        }
        if (t.IsArray || (typeof(IEnumerable).IsAssignableFrom(t) && !typeof(IDictionary).IsAssignableFrom(t)))
        {
            var element = t.IsArray ? t.GetElementType()! : t.IsGenericType ? t.GetGenericArguments()[0] : typeof(object);
            var a = Typed("array");
            a["items"] = ForType(element, depth + 1);
            return a;
        }
        if (typeof(IDictionary).IsAssignableFrom(t))
        {
            return Typed("object");
        }
        var o = Typed("object");
        var props = new JsonObject();
        foreach (var p in Properties(t))
        {
            props[p.Name] = ForType(p.PropertyType, depth + 1);
        }
        o["properties"] = props;
        return o;
    }

    /// <summary>
    /// The data properties of a type: public, not indexers, and not the PowerShell engine's own
    /// plumbing (a Job subclass is its own properties, not its Output/Error collections and handles).
    /// </summary>
    public static IEnumerable<PropertyInfo> Properties(Type t) =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod is { IsPublic: true } && p.DeclaringType?.Assembly != typeof(PSObject).Assembly);
}
