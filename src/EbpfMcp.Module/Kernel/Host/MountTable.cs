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

    public static bool IsMounted(string fsType) => MountPoints(fsType).Any();
}
