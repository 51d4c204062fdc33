using System.Collections.Concurrent;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>The programs this process's running traces loaded, by id, so Get-BpfHook can say whose they are.</summary>
internal static class TracerPrograms
{
    private static readonly ConcurrentDictionary<uint, string> Loaded = new();

    public static void Add(IEnumerable<uint> programIds, string tracer)
    {
        foreach (var id in programIds)
        {
            Loaded[id] = tracer;
        }
    }

    public static void Remove(IEnumerable<uint> programIds)
    {
        foreach (var id in programIds)
        {
            Loaded.TryRemove(id, out _);
        }
    }

    /// <summary>The trace command that loaded the program in this process, or null.</summary>
    public static string? TracerOf(uint programId) => Loaded.GetValueOrDefault(programId);
}
