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

    /// <summary>
    /// Whether a trace of this process (not some other process running tests at the same time) has
    /// a program named <paramref name="programPrefix"/>* loaded that was not there before.
    /// </summary>
    public static bool TracerAttached(string programPrefix, HashSet<uint> before) =>
        List().Any(p => !before.Contains(p.Id) && p.Name.StartsWith(programPrefix, StringComparison.Ordinal) && EbpfMcp.Kernel.Tracing.TracerPrograms.TracerOf(p.Id) is not null);

    public static HashSet<uint> MapIds()
    {
        var json = KernelPrerequisites.Run("bpftool", "-j", "map", "show");
        using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        return doc.RootElement.EnumerateArray().Select(m => m.GetProperty("id").GetUInt32()).ToHashSet();
    }

    /// <summary>
    /// Asserts that no program (or map) beyond <paramref name="expected"/> remains: what a test
    /// loaded is gone. The kernel frees a program after an RCU grace period once its last reference
    /// is gone, so this polls briefly; a real leak (an fd or link still open) never converges.
    /// Objects of earlier tests that are freed meanwhile may leave the set; that is fine.
    /// </summary>
    public static void AssertReturnsTo(HashSet<uint> expected, Func<HashSet<uint>>? read = null)
    {
        read ??= Ids;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        HashSet<uint> actual;
        while (!(actual = read()).IsSubsetOf(expected) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
        Assert.Empty(actual.Except(expected).Order());
    }

    /// <summary>bpftool's JSON for one link id set: links whose prog_id is given.</summary>
    public static List<JsonElement> LinksOf(uint programId)
    {
        var json = KernelPrerequisites.Run("bpftool", "-j", "link", "show");
        using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        return doc.RootElement.EnumerateArray().Where(l => l.GetProperty("prog_id").GetUInt32() == programId).Select(l => l.Clone()).ToList();
    }
}
