namespace EbpfMcp.Kernel.Host;

/// <summary>Reads /proc/self/mounts: where bpffs, tracefs and cgroup2 are mounted.</summary>
internal static class MountTable
{
    public static IEnumerable<string> MountPoints(string fsType)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/mounts");
        }
        catch (IOException)
        {
            yield break;
        }
        foreach (var line in lines)
        {
            var fields = line.Split(' ');
            if (fields.Length > 2 && fields[2] == fsType)
            {
                // Mount points escape spaces as \040.
                yield return fields[1].Replace("\\040", " ");
            }
        }
    }

    public static bool IsMounted(string fsType) => FileSystemTypes().Contains(fsType);

    /// <summary>The types of every file system mounted, from one read of the table.</summary>
    public static HashSet<string> FileSystemTypes()
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        string text;
        try
        {
            text = File.ReadAllText("/proc/self/mounts");
        }
        catch (IOException)
        {
            return types;
        }
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            // device mountpoint type options ...: the third field.
            var rest = line;
            for (int field = 0; field < 2; field++)
            {
                int space = rest.IndexOf(' ');
                rest = space < 0 ? [] : rest[(space + 1)..];
            }
            int end = rest.IndexOf(' ');
            if (end > 0)
            {
                types.Add(rest[..end].ToString());
            }
        }
        return types;
    }
}
