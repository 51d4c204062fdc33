using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Picks, by trying, the best hook a tracer can use on this kernel: each candidate (a set of
/// programs of the tracer's object) is loaded and attached in order; the first that works wins and
/// is remembered for the process, so later traces start without failed attempts.
/// </summary>
internal static class HookChoice
{
    public sealed record Candidate(string Hook, string[] Programs);

    private static readonly Dictionary<string, Candidate> Chosen = new();
    private static readonly object Gate = new();

    public static (TracerObject Tracer, string Hook) Start(string objectName, IReadOnlyList<Candidate> candidates, byte[] rodata, IReadOnlyDictionary<string, uint>? mapSizes = null)
    {
        lock (Gate)
        {
            if (Chosen.TryGetValue(objectName, out var known))
            {
                return (TracerObject.Start(objectName, known.Programs, rodata, mapSizes), known.Hook);
            }
        }
        BpfException? last = null;
        foreach (var candidate in candidates)
        {
            try
            {
                var tracer = TracerObject.Start(objectName, candidate.Programs, rodata, mapSizes);
                lock (Gate)
                {
                    Chosen[objectName] = candidate;
                }
                return (tracer, candidate.Hook);
            }
            catch (BpfException e) when (e.ErrorId is not ("PermissionDenied" or "TracerObjectMissing"))
            {
                last = e; // try the next hook
            }
        }
        throw last ?? new BpfException("NoUsableHook", $"No hook for {objectName} works on this kernel.");
    }

    /// <summary>The hook a tracer ran with last in this process, if any.</summary>
    public static string? Known(string objectName)
    {
        lock (Gate)
        {
            return Chosen.TryGetValue(objectName, out var c) ? c.Hook : null;
        }
    }
}
