namespace EbpfMcp.Kernel.Symbols;

/// <summary>
/// Symbol tables of ELF files, shared by every profile of the process and keyed by GNU build id, so
/// a library mapped by many processes, or the same binary at another path (a container), is read
/// once. Files without a build id are keyed by inode, size and modification time. Bounded: the
/// least recently used tables go when more than <see cref="Capacity"/> tables or
/// <see cref="SymbolBudget"/> symbols in all (about 100 MB) are held; the newest always stays.
/// </summary>
internal static class ElfSymbolCache
{
    public const int Capacity = 64;
    public const int SymbolBudget = 1_000_000;
    private static long heldSymbols;

    private static readonly Dictionary<string, LinkedListNode<(string Key, ElfSymbols? Symbols)>> Entries = new();
    private static readonly LinkedList<(string Key, ElfSymbols? Symbols)> Recent = new();
    private static readonly object Gate = new();

    /// <summary>The file's symbols (null: not a readable ELF file), loading them on the first request.</summary>
    public static ElfSymbols? Get(FileStream file, ulong inode)
    {
        var key = ElfBuildId.Read(file.SafeFileHandle) is { } buildId
            ? "build-id:" + buildId
            : $"file:{inode}:{file.Length}:{File.GetLastWriteTimeUtc(file.SafeFileHandle).Ticks}";
        lock (Gate)
        {
            if (Entries.TryGetValue(key, out var hit))
            {
                Recent.Remove(hit);
                Recent.AddFirst(hit);
                return hit.Value.Symbols;
            }
        }
        file.Position = 0;
        var table = ElfSymbols.Load(file); // outside the lock: a big file takes a while
        lock (Gate)
        {
            if (!Entries.ContainsKey(key))
            {
                Entries[key] = Recent.AddFirst((key, table));
                heldSymbols += table?.Count ?? 0;
                while (Entries.Count > 1 && (Entries.Count > Capacity || heldSymbols > SymbolBudget))
                {
                    var oldest = Recent.Last!.Value;
                    Entries.Remove(oldest.Key);
                    Recent.RemoveLast();
                    heldSymbols -= oldest.Symbols?.Count ?? 0;
                }
            }
        }
        return table;
    }
}
