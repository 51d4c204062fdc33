using System.Globalization;

namespace EbpfMcp.Kernel.Symbols;

/// <summary>One executable mapping of /proc/PID/maps.</summary>
internal sealed record MappedRegion(ulong Start, ulong End, ulong FileOffset, string Device, ulong Inode, string Path)
{
    private const string DeletedSuffix = " (deleted)";

    /// <summary>Backed by a file (not anonymous memory, [vdso], [heap], memfd, ...).</summary>
    public bool IsFile => Inode != 0 && Path.StartsWith('/');

    public bool IsDeleted => Path.EndsWith(DeletedSuffix, StringComparison.Ordinal);

    /// <summary>The file name as frames show it ("libc.so.6"), or the pseudo-name ("[vdso]").</summary>
    public string ModuleName
    {
        get
        {
            var path = IsDeleted ? Path[..^DeletedSuffix.Length] : Path;
            return path.StartsWith('/') ? System.IO.Path.GetFileName(path) : path;
        }
    }

    /// <summary>The path without the kernel's " (deleted)" mark.</summary>
    public string FilePath => IsDeleted ? Path[..^DeletedSuffix.Length] : Path;

    public ulong FileOffsetOf(ulong address) => address - Start + FileOffset;
}

/// <summary>The executable mappings of one process, read from /proc/PID/maps and sorted by address.</summary>
internal sealed class ProcessMaps
{
    private readonly MappedRegion[] regions;

    private ProcessMaps(MappedRegion[] regions) => this.regions = regions;

    public IReadOnlyList<MappedRegion> Regions => regions;

    /// <summary>The mappings now, or null when the process is gone (or its maps cannot be read).</summary>
    public static ProcessMaps? Read(int pid)
    {
        try
        {
            var list = new List<MappedRegion>();
            foreach (var line in File.ReadLines($"/proc/{pid}/maps"))
            {
                if (Parse(line) is { } region)
                {
                    list.Add(region);
                }
            }
            list.Sort((a, b) => a.Start.CompareTo(b.Start));
            return new ProcessMaps([.. list]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>"start-end perms offset dev inode   path"; only executable mappings are kept.</summary>
    internal static MappedRegion? Parse(string line)
    {
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || fields[1].Length < 3 || fields[1][2] != 'x')
        {
            return null;
        }
        var range = fields[0].Split('-');
        if (range.Length != 2
            || !ulong.TryParse(range[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(range[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end)
            || !ulong.TryParse(fields[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var offset)
            || !ulong.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
        {
            return null;
        }
        return new MappedRegion(start, end, offset, fields[3], inode, fields.Length > 5 ? fields[5].Trim() : "");
    }

    public MappedRegion? Find(ulong address)
    {
        int lo = 0, hi = regions.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var r = regions[mid];
            if (address < r.Start)
            {
                hi = mid - 1;
            }
            else if (address >= r.End)
            {
                lo = mid + 1;
            }
            else
            {
                return r;
            }
        }
        return null;
    }
}
