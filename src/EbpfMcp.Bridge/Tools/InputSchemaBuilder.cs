using System.Management.Automation;
using System.Text.Json.Nodes;

namespace EbpfMcp.Bridge.Tools;

/// <summary>JSON Schema for a command's parameters: types, required, enums, bounds, patterns, one-sentence descriptions.</summary>
public static class InputSchemaBuilder
{
    public static JsonObject Build(IReadOnlyList<ToolParameter> parameters, IReadOnlyList<string> sets)
    {
        var properties = new JsonObject();
        foreach (var p in parameters)
        {
            var schema = ForType(p.Type);
            Apply(schema, p.Validators, p.Type);
            if (!string.IsNullOrWhiteSpace(p.Description))
            {
                schema["description"] = ToolDescription.ParameterDescription(p.Description, parameters);
            }
            properties[p.Name] = schema;
        }
        // Required: mandatory whichever parameter set the client means. Set-specific mandatory
        // arguments are named in the description; the binder checks them per call.
        var required = parameters.Where(p => sets.All(s => p.IsMandatoryIn(s)))
            .Select(p => (JsonNode)p.Name).ToArray();
        // Unknown arguments are refused by the binder, by name; the schema need not say so too.
        var result = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
        };
        if (required.Length > 0)
        {
            result["required"] = new JsonArray(required);
        }
        return result;
    }

    /// <summary>The schema of one argument's type; bounds come only from ValidateRange (a type's own range is noise).</summary>
    public static JsonObject ForType(Type type)
    {
        if (type.IsArray)
        {
            return new JsonObject { ["type"] = "array", ["items"] = ForType(type.GetElementType()!) };
        }
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(SwitchParameter) || t == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }
        if (t.IsEnum)
        {
            return new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. Enum.GetNames(t).Select(n => (JsonNode)n)]) };
        }
        if (t == typeof(byte) || t == typeof(ushort) || t == typeof(uint) || t == typeof(ulong))
        {
            return new JsonObject { ["type"] = "integer", ["minimum"] = 0 };
        }
        if (t == typeof(sbyte) || t == typeof(short) || t == typeof(int) || t == typeof(long))
        {
            return new JsonObject { ["type"] = "integer" };
        }
        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal))
        {
            return new JsonObject { ["type"] = "number" };
        }
        if (t == typeof(object) || t == typeof(PSObject))
        {
            return new JsonObject(); // untyped (a script's plain parameter): any JSON value
        }
        return new JsonObject { ["type"] = "string" };
    }

    private static void Apply(JsonObject schema, IReadOnlyList<ValidateArgumentsAttribute> validators, Type type)
    {
        // For arrays the element validators apply to items.
        var target = type.IsArray ? (JsonObject)schema["items"]! : schema;
        foreach (var v in validators)
        {
            switch (v)
            {
                case ValidateSetAttribute set:
                    target["enum"] = new JsonArray([.. set.ValidValues.Select(x => (JsonNode)x)]);
                    break;
                case ValidateRangeAttribute range when range.MinRange is not null:
                    target["minimum"] = JsonValue.Create(Convert.ToDouble(range.MinRange));
                    if (Convert.ToDouble(range.MaxRange) < int.MaxValue)
                    {
                        target["maximum"] = JsonValue.Create(Convert.ToDouble(range.MaxRange)); // else only the type's own limit
                    }
                    break;
                case ValidatePatternAttribute pattern:
                    target["pattern"] = pattern.RegexPattern;
                    break;
                case ValidateLengthAttribute length:
                    target["minLength"] = length.MinLength;
                    target["maxLength"] = length.MaxLength;
                    break;
                case ValidateCountAttribute count when type.IsArray:
                    schema["minItems"] = count.MinLength;
                    schema["maxItems"] = count.MaxLength;
                    break;
            }
        }
    }
}
