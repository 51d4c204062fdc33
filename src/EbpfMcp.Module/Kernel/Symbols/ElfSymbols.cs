using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;

namespace EbpfMcp.Kernel.Symbols;

/// <summary>
/// The function symbols of one ELF file (.symtab and .dynsym, read with ELFSharp) and its loadable
/// segments, kept compact: sorted start addresses, sizes and names. A file offset becomes a virtual
/// address through the PT_LOAD segment that holds it, so PIE executables and shared libraries
/// (mapped anywhere) and fixed-address executables (node: offset 0x772000 is 0xb72000) resolve alike.
/// </summary>
internal sealed class ElfSymbols
{
    private const int SttGnuIfunc = 10;

    private readonly (ulong Offset, ulong Address, ulong Size)[] segments;
    private readonly ulong[] starts;
    private readonly ulong[] sizes;
    private readonly string[] names;

    private ElfSymbols((ulong, ulong, ulong)[] segments, ulong[] starts, ulong[] sizes, string[] names)
    {
        this.segments = segments;
        this.starts = starts;
        this.sizes = sizes;
        this.names = names;
    }

    public int Count => starts.Length;

    /// <summary>Reads the file; null when it is no ELF file ELFSharp can read (never throws).</summary>
    public static ElfSymbols? Load(Stream stream)
    {
        try
        {
            if (!ELFReader.TryLoad(stream, shouldOwnStream: false, out var elf))
            {
                return null;
            }
            using (elf)
            {
                return elf switch
                {
                    ELF<ulong> e64 => From(e64),
                    ELF<uint> e32 => From(e32),
                    _ => null,
                };
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null; // truncated or malformed: frames in it show as module+0xoff
        }
    }

    private static ElfSymbols From<T>(ELF<T> elf) where T : struct
    {
        var segments = elf.Segments.Where(s => s.Type == SegmentType.Load)
            .Select(s => ((ulong)s.Offset, Convert.ToUInt64(s.Address), (ulong)s.FileSize)).ToArray();
        // By address; at one address the most public name wins (global over weak over local).
        var best = new Dictionary<ulong, (ulong Size, string Name, int Rank)>();
        foreach (var table in elf.GetSections<SymbolTable<T>>())
        {
            foreach (var symbol in table.Entries)
            {
                if ((symbol.Type != SymbolType.Function && (int)symbol.Type != SttGnuIfunc) || symbol.PointedSectionIndex == 0 || string.IsNullOrEmpty(symbol.Name))
                {
                    continue;
                }
                ulong start = Convert.ToUInt64(symbol.Value), size = Convert.ToUInt64(symbol.Size);
                int rank = symbol.Binding switch { SymbolBinding.Global => 3, SymbolBinding.Weak => 2, _ => 1 };
                if (!best.TryGetValue(start, out var known) || rank > known.Rank || (rank == known.Rank && known.Size == 0 && size > 0))
                {
                    best[start] = (size, symbol.Name, rank);
                }
            }
        }
        var sorted = best.OrderBy(p => p.Key).ToArray();
        return new ElfSymbols(segments, sorted.Select(p => p.Key).ToArray(), sorted.Select(p => p.Value.Size).ToArray(), sorted.Select(p => p.Value.Name).ToArray());
    }

    /// <summary>The link-time address of a file offset, or null when no loadable segment holds it.</summary>
    public ulong? VirtualAddress(ulong fileOffset)
    {
        foreach (var (offset, address, size) in segments)
        {
            if (fileOffset >= offset && fileOffset < offset + size)
            {
                return fileOffset - offset + address;
            }
        }
        return null;
    }

    /// <summary>The function containing a link-time address, or null.</summary>
    public string? Function(ulong address)
    {
        int i = SortedAddresses.Floor(starts, address);
        if (i < 0)
        {
            return null;
        }
        // A sized symbol covers [start, start+size); an unsized one (hand-written assembly) reaches
        // up to the next symbol.
        return sizes[i] == 0 || address < starts[i] + sizes[i] ? names[i] : null;
    }
}
