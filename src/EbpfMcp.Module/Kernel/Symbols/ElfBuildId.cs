using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace EbpfMcp.Kernel.Symbols;

/// <summary>
/// Reads only the GNU build id (the NT_GNU_BUILD_ID note of a PT_NOTE segment): the key of the
/// symbol-table cache. ELFSharp parses every section, symbol and string when it opens a file
/// (about 1.4 s and 66 MB for node's 150,000 symbols, see bench/), so asking it for the key would
/// cost what the cache is there to save; this reads a few hundred bytes instead.
/// </summary>
internal static class ElfBuildId
{
    private const uint PtNote = 4, NtGnuBuildId = 3;

    /// <summary>Lower-case hex build id, or null when the file is no little-endian ELF or has none.</summary>
    public static string? Read(SafeFileHandle file)
    {
        Span<byte> header = stackalloc byte[64];
        if (RandomAccess.Read(file, header, 0) < 52 || !header[..4].SequenceEqual("\u007fELF"u8) || header[5] != 1)
        {
            return null;
        }
        bool is64 = header[4] == 2;
        ulong phoff = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(header[32..]) : BinaryPrimitives.ReadUInt32LittleEndian(header[28..]);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[(is64 ? 54 : 42)..]);
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(header[(is64 ? 56 : 44)..]);
        if (phnum == 0 || phentsize < (is64 ? 56 : 32) || phnum > 256)
        {
            return null;
        }
        var table = new byte[phentsize * phnum];
        if (RandomAccess.Read(file, table, (long)phoff) < table.Length)
        {
            return null;
        }
        for (int i = 0; i < phnum; i++)
        {
            var ph = table.AsSpan(i * phentsize, phentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != PtNote)
            {
                continue;
            }
            ulong offset = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(ph[4..]);
            ulong size = is64 ? BinaryPrimitives.ReadUInt64LittleEndian(ph[32..]) : BinaryPrimitives.ReadUInt32LittleEndian(ph[16..]);
            if (size is 0 or > 1 << 16)
            {
                continue;
            }
            var notes = new byte[size];
            int read = RandomAccess.Read(file, notes, (long)offset);
            if (FindBuildId(notes.AsSpan(0, read)) is { } id)
            {
                return id;
            }
        }
        return null;
    }

    /// <summary>Walks notes: namesz, descsz, type, name (4-aligned), desc (4-aligned).</summary>
    private static string? FindBuildId(ReadOnlySpan<byte> notes)
    {
        int at = 0;
        while (at + 12 <= notes.Length)
        {
            int nameSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes[at..]);
            int descSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes[(at + 4)..]);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(notes[(at + 8)..]);
            int name = at + 12, desc = name + Align4(nameSize);
            if (nameSize < 0 || descSize < 0 || desc + descSize > notes.Length)
            {
                return null;
            }
            if (type == NtGnuBuildId && nameSize == 4 && notes.Slice(name, 4).SequenceEqual("GNU\0"u8) && descSize > 0)
            {
                return Convert.ToHexString(notes.Slice(desc, descSize)).ToLowerInvariant();
            }
            at = desc + Align4(descSize);
        }
        return null;
    }

    private static int Align4(int n) => (n + 3) & ~3;
}
