namespace EbpfMcp.Kernel.Tracing;

/// <summary>open(2) flags by name (asm-generic/fcntl.h values, shared by x86_64 and arm64 except where noted).</summary>
internal static class OpenFlags
{
    private static readonly (ulong Bit, string Name)[] Bits =
    [
        (0x40, "O_CREAT"), (0x80, "O_EXCL"), (0x100, "O_NOCTTY"), (0x200, "O_TRUNC"), (0x400, "O_APPEND"),
        (0x800, "O_NONBLOCK"), (0x1000, "O_DSYNC"), (0x2000, "O_ASYNC"), (0x4000, "O_DIRECT"), (0x8000, "O_LARGEFILE"),
        (0x10000, "O_DIRECTORY"), (0x20000, "O_NOFOLLOW"), (0x40000, "O_NOATIME"), (0x80000, "O_CLOEXEC"),
        (0x100000, "__O_SYNC"), (0x200000, "O_PATH"), (0x400000, "__O_TMPFILE"),
    ];

    // The same few combinations repeat in every trace: each is described once.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, string> Described = new();

    public static string Describe(ulong flags) => Described.Count < 4096 ? Described.GetOrAdd(flags, Compose) : Compose(flags);

    private static string Compose(ulong flags)
    {
        var names = new List<string>
        {
            (flags & 3) switch { 0 => "O_RDONLY", 1 => "O_WRONLY", 2 => "O_RDWR", _ => "O_ACCMODE" },
        };
        ulong known = 3;
        foreach (var (bit, name) in Bits)
        {
            if ((flags & bit) != 0)
            {
                names.Add(name);
                known |= bit;
            }
        }
        if ((flags & ~known) != 0)
        {
            names.Add($"0x{flags & ~known:x}");
        }
        return string.Join('|', names);
    }
}
