using System.Text.Json;
using System.Text.Json.Nodes;

namespace EbpfMcp.Bridge;

/// <summary>
/// One JSON line per tool call: time, session, tool, arguments (secrets removed), outcome, error
/// id, duration, and the program ids the call created or removed. To a file (appended) or stderr.
/// </summary>
public sealed class AuditLog : IDisposable
{
    private static readonly string[] SecretWords = ["token", "password", "secret", "key", "credential", "authorization"];
    private readonly TextWriter writer;
    private readonly string prefix;
    private readonly object gate = new();

    /// <param name="path">A file to append to; "-" for stderr (lines prefixed "audit: "); null for none.</param>
    public AuditLog(string? path)
    {
        if (path is null)
        {
            writer = TextWriter.Null;
            prefix = "";
        }
        else if (path == "-")
        {
            writer = Console.Error;
            prefix = "audit: ";
        }
        else
        {
            writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
            prefix = "";
        }
    }

    public void Write(string session, string tool, IReadOnlyDictionary<string, JsonElement>? arguments, string outcome, string? errorId, double durationMs, IEnumerable<uint> created, IEnumerable<uint> removed)
    {
        var args = new JsonObject();
        foreach (var (name, value) in arguments ?? new Dictionary<string, JsonElement>())
        {
            args[name] = SecretWords.Any(w => name.Contains(w, StringComparison.OrdinalIgnoreCase)) ? "***" : JsonNode.Parse(value.GetRawText());
        }
        var line = new JsonObject
        {
            ["time"] = DateTimeOffset.UtcNow.ToString("o"),
            ["session"] = session,
            ["tool"] = tool,
            ["arguments"] = args,
            ["outcome"] = outcome,
            ["errorId"] = errorId,
            ["durationMs"] = Math.Round(durationMs, 2),
            ["programsCreated"] = new JsonArray(created.Select(id => (JsonNode)id).ToArray()),
            ["programsRemoved"] = new JsonArray(removed.Select(id => (JsonNode)id).ToArray()),
        }.ToJsonString();
        lock (gate)
        {
            writer.WriteLine(prefix + line);
        }
    }

    public void Dispose()
    {
        if (writer != Console.Error && writer != TextWriter.Null)
        {
            writer.Dispose();
        }
    }
}
