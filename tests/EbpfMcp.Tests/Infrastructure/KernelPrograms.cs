using System.Text.Json;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>The kernel's own view, from bpftool (a test-only cross-check, never used by the product).</summary>
public static class KernelPrograms
{
    public sealed record Program(uint Id, string Type, string Name);

    public static List<Program> List()
    {
        var json = KernelPrerequisites.Run("bpftool", "-j", "prog", "show");
        using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        return doc.RootElement.EnumerateArray().Select(p => new Program(
            p.GetProperty("id").GetUInt32(),
            p.GetProperty("type").GetString() ?? "",
            p.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "")).ToList();
    }

    public static HashSet<uint> Ids() => List().Select(p => p.Id).ToHashSet();

    public static HashSet<uint> MapIds()
    {
        var json = KernelPrerequisites.Run("bpftool", "-j", "map", "show");
        using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        return doc.RootElement.EnumerateArray().Select(m => m.GetProperty("id").GetUInt32()).ToHashSet();
    }

    /// <summary>bpftool's JSON for one link id set: links whose prog_id is given.</summary>
    public static List<JsonElement> LinksOf(uint programId)
    {
        var json = KernelPrerequisites.Run("bpftool", "-j", "link", "show");
        using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        return doc.RootElement.EnumerateArray().Where(l => l.GetProperty("prog_id").GetUInt32() == programId).Select(l => l.Clone()).ToList();
    }
}
