using System.Globalization;

namespace EbpfMcp.Kernel.Symbols;

/// <summary>
/// JIT code symbols a runtime writes to /tmp/perf-PID.map ("START SIZE name" per line, hex): .NET
/// with DOTNET_PerfMapEnabled=1, node --perf-basic-prof, JVM agents. A process in another mount
/// namespace writes it under its own /tmp with its namespace pid, so that file is tried first.
/// </summary>
internal sealed class PerfMap
{
    private readonly ulong[] starts;
    private readonly ulong[] sizes;
    private readonly string[] names;

    private PerfMap(string path, ulong[] starts, ulong[] sizes, string[] names)
    {
        Path = path;
        this.starts = starts;
        this.sizes = sizes;
        this.names = names;
    }

    public string Path { get; }

    /// <summary>The process's perf map, or null when it wrote none.</summary>
    public static PerfMap? Load(int pid)
    {
        foreach (var path in Candidates(pid))
        {
            try
            {
                return Parse(path, File.ReadLines(path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // not there (or not readable): try the next place
            }
        }
        return null;
    }

    private static IEnumerable<string> Candidates(int pid)
    {
        if (NamespacePid(pid) is int nspid)
        {
            yield return $"/proc/{pid}/root/tmp/perf-{nspid}.map";
        }
        yield return $"/tmp/perf-{pid}.map";
    }

    /// <summary>The pid the process sees for itself (last NSpid field), when it still runs.</summary>
    private static int? NamespacePid(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
            var last = line?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
            return int.TryParse(last, CultureInfo.InvariantCulture, out var n) ? n : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static PerfMap Parse(string path, IEnumerable<string> lines)
    {
        var entries = new List<(ulong Start, ulong Size, string Name)>();
        foreach (var line in lines)
        {
            var parts = line.Split(' ', 3);
            if (parts.Length == 3
                && ulong.TryParse(StripHexPrefix(parts[0]), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
                && ulong.TryParse(StripHexPrefix(parts[1]), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size))
            {
                entries.Add((start, size, parts[2].Trim()));
            }
        }
        // Code can be replaced at the same address; a stable sort keeps the latest entry last.
        var sorted = entries.OrderBy(e => e.Start).ToArray();
        return new PerfMap(path, sorted.Select(e => e.Start).ToArray(), sorted.Select(e => e.Size).ToArray(), sorted.Select(e => e.Name).ToArray());
    }

    private static string StripHexPrefix(string s) => s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s[2..] : s;

    /// <summary>The JIT symbol covering the address, or null.</summary>
    public string? Find(ulong address)
    {
        int i = SortedAddresses.Floor(starts, address); // the latest of several entries at one address
        // Entries may overlap (code moved or replaced): look back a little for one that covers it.
        for (int j = i; j >= 0 && j > i - 8; j--)
        {
            if (address >= starts[j] && address < starts[j] + sizes[j])
            {
                return names[j];
            }
        }
        return null;
    }
}
