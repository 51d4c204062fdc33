using System.Runtime.InteropServices;
using System.Text;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Strings for the kernel's 16-byte comm fields. The same few names repeat in every event, so each
/// distinct 16 bytes is decoded once and the string shared: decoding an event allocates no names.
/// </summary>
internal sealed class CommNames
{
    private const int MaxNames = 4096;
    private readonly Dictionary<(ulong, ulong), string> names = [];

    public string Get(ReadOnlySpan<byte> comm16)
    {
        // Bytes after the NUL are whatever the ring buffer slot held before: they are not part of the name.
        Span<byte> clean = stackalloc byte[16];
        int end = comm16[..16].IndexOf((byte)0);
        comm16[..(end < 0 ? 16 : end)].CopyTo(clean);
        var key = (MemoryMarshal.Read<ulong>(clean), MemoryMarshal.Read<ulong>(clean[8..]));
        if (names.TryGetValue(key, out var name))
        {
            return name;
        }
        name = Decode(clean);
        if (names.Count < MaxNames)
        {
            names[key] = name;
        }
        return name;
    }

    /// <summary>A NUL-terminated UTF-8 string of a fixed-size field.</summary>
    public static string Decode(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}
