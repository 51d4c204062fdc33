using System.Runtime.InteropServices;

namespace EbpfMcp.Bridge.Native;

/// <summary>
/// Caps glibc's malloc arenas. glibc gives a thread that meets contention an arena of its own, up
/// to eight per core, and memory freed into one arena is not reused by the others: with the
/// thread pool's threads coming and going under steady calls, the bridge's resident memory crept
/// up in the arenas (smaps: nearly all the growth was in 64 MB-aligned anonymous heaps, the
/// managed heap flat). Capped, 10-minute soaks grew 0.25–0.34 MB/min instead of 0.82; a 30-minute
/// one still grew 0.49, so this narrows the creep without settling it. Set before the bridge
/// starts its threads; MALLOC_ARENA_MAX in the environment wins.
/// </summary>
internal static partial class MallocArenas
{
    private const int MArenaMax = -8;

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);

    public static void Limit(int arenas)
    {
        if (Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return;
        }
        try
        {
            MallOpt(MArenaMax, arenas);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc: its allocator has no arenas to cap.
        }
    }
}
