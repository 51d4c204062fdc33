using System.Collections;
using System.Management.Automation;
using System.Text.Json.Nodes;

namespace EbpfMcp.Bridge.Tools;

/// <summary>
/// Puts a trace's totals (the BpfTraceSummary the module writes to the information stream) into the
/// tool result, so nothing is lost silently when items are capped: events is every event seen
/// (items may be fewer: capped, grouped, or a background buffer's share), lost what the kernel
/// could not hand over, dropped what a background buffer had no room for,
/// groups the counts by process over all events, files what the trace wrote (a profile's OutFile).
/// </summary>
public static class TraceTotals
{
    /// <summary>Adds the totals to <paramref name="structured"/>; returns the trace's text report, if it has one.</summary>
    public static string? Apply(PSObject summary, JsonObject structured)
    {
        long Number(string name) => Convert.ToInt64(summary.Properties[name]?.Value ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
        structured["events"] = Number("Events");
        structured["lost"] = Number("Lost");
        if (Number("Dropped") is > 0 and var dropped)
        {
            structured["dropped"] = dropped;
        }
        if (summary.Properties["TraceId"]?.Value is string traceId)
        {
            structured["traceId"] = traceId;
        }
        if (summary.Properties["ByProcess"]?.Value is IDictionary byProcess && byProcess.Count > 0)
        {
            var groups = new JsonObject();
            foreach (DictionaryEntry entry in byProcess)
            {
                groups[entry.Key.ToString() ?? ""] = Convert.ToInt64(entry.Value, System.Globalization.CultureInfo.InvariantCulture);
            }
            structured["groups"] = groups;
        }
        if (summary.Properties["Files"]?.Value is IEnumerable files and not string && files.Cast<object>().Select(f => f.ToString()).ToList() is { Count: > 0 } written)
        {
            structured["files"] = new JsonArray([.. written.Select(f => (JsonNode?)f)]);
        }
        return summary.Properties["Report"]?.Value as string is { Length: > 0 } report ? report : null;
    }
}
