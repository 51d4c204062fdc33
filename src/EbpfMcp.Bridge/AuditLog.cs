using System.Text.Json;
using System.Text.Json.Nodes;

namespace EbpfMcp.Bridge;

/// <summary>
/// One JSON line per tool call and per refusal: time, session, tool, arguments (secrets removed,
/// long values cut), the exact outcome (ok, error, cancelled, refused), error id and reason,
/// duration, and the program ids the call created or removed. To a file (appended, created 0600)
/// or stderr.
/// </summary>
public sealed class AuditLog : IDisposable
{
    public const string Ok = "ok", Error = "error", Cancelled = "cancelled", Refused = "refused";

    /// <summary>Argument values longer than this (as JSON) are cut: the log records calls, not payloads.</summary>
    public const int MaxValueChars = 4096;

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
            const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read, UnixCreateMode = ownerOnly });
            // A log that already existed keeps its content but becomes owner-only too.
            File.SetUnixFileMode(stream.SafeFileHandle, ownerOnly);
            writer = new StreamWriter(stream) { AutoFlush = true };
            prefix = "";
        }
    }

    /// <summary>A tool call that ran (or was refused by the bridge's checks).</summary>
    public void Call(string session, string tool, IReadOnlyDictionary<string, JsonElement>? arguments, string outcome, string? errorId, string? reason, double durationMs, IEnumerable<uint> created, IEnumerable<uint> removed)
    {
        if (!Enabled)
        {
            return; // --audit-log none: nothing is built for a line nobody keeps
        }
        var line = Line(session, outcome);
        line["tool"] = tool;
        line["arguments"] = Arguments(arguments);
        line["errorId"] = errorId;
        if (outcome == Refused && reason is not null)
        {
            line["reason"] = reason;
        }
        line["durationMs"] = Math.Round(durationMs, 2);
        line["programsCreated"] = new JsonArray([.. created.Select(id => (JsonNode)id)]);
        line["programsRemoved"] = new JsonArray([.. removed.Select(id => (JsonNode)id)]);
        Write(line);
    }

    /// <summary>A request refused before any tool ran: HTTP 401/403/413/503, an unknown or disabled tool.</summary>
    public void Refusal(string? session, string? tool, string errorId, string reason, int? httpStatus = null)
    {
        if (!Enabled)
        {
            return;
        }
        var line = Line(session, Refused);
        line["tool"] = tool;
        line["errorId"] = errorId;
        line["reason"] = reason;
        if (httpStatus is { } status)
        {
            line["httpStatus"] = status;
        }
        Write(line);
    }

    /// <summary>Whether lines are kept (false for --audit-log none).</summary>
    public bool Enabled => writer != TextWriter.Null;

    private static JsonObject Line(string? session, string outcome) => new()
    {
        ["time"] = DateTimeOffset.UtcNow.ToString("o"),
        ["session"] = session,
        ["outcome"] = outcome,
    };

    private static JsonObject Arguments(IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        var args = new JsonObject();
        foreach (var (name, value) in arguments ?? new Dictionary<string, JsonElement>())
        {
            var raw = value.GetRawText();
            args[name] = SecretWords.Any(w => name.Contains(w, StringComparison.OrdinalIgnoreCase)) ? "***"
                : raw.Length > MaxValueChars ? $"{raw[..MaxValueChars]}... ({raw.Length} characters, cut)"
                : JsonNode.Parse(raw);
        }
        return args;
    }

    private void Write(JsonObject line)
    {
        var text = prefix + line.ToJsonString(Tools.JsonOutput.TextOptions);
        lock (gate)
        {
            writer.WriteLine(text);
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
