using System.Globalization;

namespace EbpfMcp.Kernel.Symbols;

/// <summary>
/// The kernel's text symbols from /proc/kallsyms (kernel, modules, BPF programs), sorted for a
/// binary search. kallsyms has no sizes: an address belongs to the nearest symbol at or below it.
/// When addresses are hidden (kptr_restrict, no CAP_SYSLOG) every address reads 0 and frames
/// degrade to "[kernel]+0xADDRESS".
/// </summary>
internal sealed class KernelSymbols
{
    public const string Module = "[kernel.kallsyms]";

    private readonly ulong[] addresses;
    private readonly string[] names;

    private KernelSymbols(ulong[] addresses, string[] names)
    {
        this.addresses = addresses;
        this.names = names;
    }

    public int Count => addresses.Length;

    public static KernelSymbols Load(string path = "/proc/kallsyms")
    {
        var entries = new List<(ulong Address, string Name)>(160_000);
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                // "ffffffff81000000 T _stext" or "ffffffffc0a01000 t nf_hook [nf_tables]"
                var span = line.AsSpan();
                int space = span.IndexOf(' ');
                if (space < 1 || span.Length < space + 4 || !IsText(span[space + 1]))
                {
                    continue;
                }
                if (!ulong.TryParse(span[..space], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address) || address == 0)
                {
                    continue;
                }
                var rest = span[(space + 3)..];
                int end = rest.IndexOfAny(' ', '\t');
                entries.Add((address, (end < 0 ? rest : rest[..end]).ToString()));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No kallsyms to read: every kernel frame becomes [kernel]+0x..., none is dropped.
        }
        // Stable: of aliases at one address, the last listed is found, the same one every time.
        var sorted = entries.OrderBy(e => e.Address).ToArray();
        return new KernelSymbols(sorted.Select(e => e.Address).ToArray(), sorted.Select(e => e.Name).ToArray());
    }

    private static bool IsText(char type) => type is 't' or 'T' or 'w' or 'W';

    /// <summary>The function containing the address, or null when no symbol lies at or below it.</summary>
    public string? Find(ulong address)
    {
        int i = SortedAddresses.Floor(addresses, address);
        return i >= 0 ? names[i] : null;
    }

    public SymbolizedFrame Frame(ulong address, ulong lookupAddress) =>
        new(Find(lookupAddress) ?? $"[kernel]+0x{address:x}", FrameKind.Kernel, Module, address);
}
