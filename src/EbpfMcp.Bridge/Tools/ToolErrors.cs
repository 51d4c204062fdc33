using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// Every isError shape the bridge sends, built in one place: the error object (errorId, category,
/// message, target, and the eBPF facts an exception carries: errno as a name, verifier and libbpf
/// logs) and the tool result around it.
/// </summary>
public static class ToolErrors
{
    /// <summary>Error ids that mean "refused by policy or a limit", as the audit log counts them.</summary>
    private static readonly string[] RefusalIds = ["PolicyDenied", "QuotaExceeded", "TooManyTraces"];

    public static JsonObject Error(string errorId, ErrorCategory category, string message, object? target = null)
    {
        var error = new JsonObject
        {
            ["errorId"] = errorId,
            ["category"] = category.ToString(),
            ["message"] = message,
        };
        if (target is not null)
        {
            error["target"] = JsonOutput.ToNode(target);
        }
        return error;
    }

    public static JsonObject InvalidArgument(string argument, string message) => Error("InvalidArgument", ErrorCategory.InvalidArgument, message, argument);

    public static JsonObject PolicyDenied(string argument, string message) => Error("PolicyDenied", ErrorCategory.PermissionDenied, message, argument);

    public static JsonObject QuotaExceeded(string message) => Error("QuotaExceeded", ErrorCategory.QuotaExceeded, message);

    public static JsonObject TooManyTraces(int running) =>
        Error("TooManyTraces", ErrorCategory.ResourceBusy, $"{running} traces are already running on this host (--max-traces); try again when one has finished.");

    public static JsonObject TooManyBackgroundTraces(int running) =>
        Error("TooManyTraces", ErrorCategory.ResourceBusy, $"{running} background traces are already running on this host (--max-background-traces); stop one with Stop-BpfTrace, or wait for one to end.");

    /// <summary>The facts of an ErrorRecord, plus the eBPF details its exception carries.</summary>
    public static JsonObject FromRecord(ErrorRecord record)
    {
        var error = Error(record.FullyQualifiedErrorId, record.CategoryInfo.Category, record.ErrorDetails?.Message ?? record.Exception.Message, record.TargetObject);
        if (record.ErrorDetails?.RecommendedAction is { Length: > 0 } action)
        {
            error["recommendedAction"] = action;
        }
        // Read by name: the bridge cannot reference the module's exception type, and any exception
        // with these properties is reported the same way. ErrnoName comes from the module's one table.
        foreach (var (property, key) in new[] { ("ErrnoName", "errno"), ("VerifierLog", "verifierLog"), ("LibbpfLog", "libbpfLog") })
        {
            if (record.Exception.GetType().GetProperty(property)?.GetValue(record.Exception) is string value)
            {
                error[key] = value;
            }
        }
        // A compile's messages (file, line, column, severity, message), already confined to the source itself by the module.
        if (record.Exception.GetType().GetProperty("Diagnostics")?.GetValue(record.Exception) is System.Collections.IEnumerable diagnostics and not string)
        {
            error["diagnostics"] = JsonOutput.ToNode(diagnostics);
        }
        return error;
    }

    /// <summary>True for errors that are a refusal (policy, quota, busy) rather than a failure.</summary>
    public static bool IsRefusal(string? errorId) =>
        errorId is not null && RefusalIds.Any(r => errorId == r || errorId.StartsWith(r + ",", StringComparison.Ordinal));

    /// <summary>A failed call: the structured result (what the call produced, if anything) with the error, and the error as text.</summary>
    public static CallToolResult Result(JsonObject error, JsonObject? structured = null)
    {
        structured ??= new JsonObject { ["items"] = new JsonArray(), ["count"] = 0, ["total"] = 0, ["truncated"] = false };
        structured["error"] = error;
        return new CallToolResult
        {
            IsError = true,
            StructuredContent = JsonSerializer.SerializeToElement(structured),
            Content = [new TextContentBlock { Text = Text(error) }],
        };
    }

    public static string Text(JsonObject error)
    {
        var text = $"Error {error["errorId"]} ({error["category"]}): {error["message"]}";
        if (error["errno"] is JsonNode errno)
        {
            text += $" [{errno}]";
        }
        if (error["verifierLog"] is JsonNode log)
        {
            text += "\nVerifier log (end):\n" + log.GetValue<string>();
        }
        return text;
    }
}
