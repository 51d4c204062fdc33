using System.Collections;
using System.Management.Automation;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// Renders command output as JSON in the shapes <see cref="OutputSchemaBuilder"/> describes.
/// Properties whose value is null are left out: less to read, and one schema type per property.
/// </summary>
public static class JsonOutput
{
    private const int MaxDepth = 12;

    /// <summary>
    /// For text an agent or a person reads: '+', '&lt;', quotes and non-ASCII stay as they are
    /// (the text is JSON inside JSON, never HTML), so "C++" is not "C\u002B\u002B".
    /// </summary>
    public static readonly JsonSerializerOptions TextOptions = new(JsonSerializerOptions.Default) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonNode? ToNode(object? value, int depth = 0)
    {
        if (value is PSObject ps)
        {
            if (Deserialized(ps) is { } remote)
            {
                return remote;
            }
            if (ps.BaseObject is PSCustomObject)
            {
                if (depth > MaxDepth)
                {
                    return ps.ToString();
                }
                var o = new JsonObject();
                foreach (var p in ps.Properties)
                {
                    if (SafeValue(p) is { } v)
                    {
                        o[p.Name] = ToNode(v, depth + 1);
                    }
                }
                return o;
            }
            value = ps.BaseObject;
        }
        switch (value)
        {
            case null:
                return null;
            case string s:
                return s;
            case bool b:
                return b;
            case char c:
                return c.ToString();
            case Enum e:
                return e.ToString();
            case DateTimeOffset dto:
                return dto.ToString("o");
            case DateTime dt:
                return dt.ToString("o");
            case TimeSpan ts:
                return ts.TotalSeconds;
            case Guid g:
                return g.ToString();
            case Uri u:
                return u.ToString();
            case SwitchParameter sw:
                return sw.IsPresent;
            case sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal:
                return JsonValue.Create(value);
            case IDictionary dict:
            {
                var o = new JsonObject();
                foreach (DictionaryEntry entry in dict)
                {
                    o[entry.Key.ToString() ?? ""] = depth > MaxDepth ? null : ToNode(entry.Value, depth + 1);
                }
                return o;
            }
            case IEnumerable list:
            {
                var a = new JsonArray();
                if (depth <= MaxDepth)
                {
                    foreach (var item in list)
                    {
                        a.Add(ToNode(item, depth + 1));
                    }
                }
                return a;
            }
            default:
            {
                if (depth > MaxDepth)
                {
                    return value.ToString();
                }
                var o = new JsonObject();
                foreach (var p in OutputSchemaBuilder.Properties(value.GetType()))
                {
                    if (p.GetValue(value) is { } v)
                    {
                        o[p.Name] = ToNode(v, depth + 1);
                    }
                }
                return o;
            }
        }
    }

    /// <summary>
    /// Values of another node's objects (deserialized from remoting) whose type did not travel,
    /// rendered as this node's are: an enum by its name, a time with its offset in ISO 8601.
    /// </summary>
    private static string? Deserialized(PSObject ps)
    {
        var type = ps.TypeNames.Count > 0 ? ps.TypeNames[0] : "";
        if (!type.StartsWith("Deserialized.", StringComparison.Ordinal))
        {
            return null;
        }
        if (ps.TypeNames.Contains("Deserialized.System.Enum"))
        {
            return ps.ToString();
        }
        return type == "Deserialized.System.DateTimeOffset" && ps.Properties["UtcTicks"]?.Value is long ticks && ps.Properties["Offset"]?.Value is TimeSpan offset
            ? new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(offset).ToString("o")
            : null;
    }

    private static object? SafeValue(PSPropertyInfo p)
    {
        try
        {
            return p.Value;
        }
        catch (Exception e) when (e is GetValueException or ExtendedTypeSystemException)
        {
            return null;
        }
    }
}
