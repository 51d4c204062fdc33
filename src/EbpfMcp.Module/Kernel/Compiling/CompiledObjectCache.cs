using System.Collections.Concurrent;

namespace EbpfMcp.Kernel.Compiling;

/// <summary>
/// Objects compiled in this process, by the SHA-256 of what went into them (the compiler, the
/// flags, the source and its own headers). Held in memory only: a cache on disk would be one more
/// place another user could plant an object. Bounded; the oldest entry goes first.
/// </summary>
internal static class CompiledObjectCache
{
    public const int Capacity = 32;

    private static readonly ConcurrentDictionary<string, byte[]> Objects = new(StringComparer.Ordinal);
    private static readonly ConcurrentQueue<string> Order = new();

    public static bool TryGet(string key, out byte[] bytes) => Objects.TryGetValue(key, out bytes!);

    public static void Add(string key, byte[] bytes)
    {
        if (Objects.TryAdd(key, bytes))
        {
            Order.Enqueue(key);
            while (Objects.Count > Capacity && Order.TryDequeue(out var oldest))
            {
                Objects.TryRemove(oldest, out _);
            }
        }
    }
}
