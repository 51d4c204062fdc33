namespace EbpfMcp.Kernel.Host;

/// <summary>
/// Disk names ("sda", "nvme0n1", "loop3") for the device numbers the block layer reports, from
/// sysfs (/sys/dev/block/MAJ:MIN/uevent), else /proc/partitions, else "MAJ:MIN".
/// </summary>
internal static class BlockDevices
{
    /// <summary>The kernel's own dev_t (what BPF programs see): 12-bit major, 20-bit minor.</summary>
    public static (uint Major, uint Minor) FromKernelDev(uint dev) => (dev >> 20, dev & 0xfffff);

    public static string Name(uint major, uint minor)
    {
        var uevent = $"/sys/dev/block/{major}:{minor}/uevent";
        try
        {
            foreach (var line in File.ReadLines(uevent))
            {
                if (line.StartsWith("DEVNAME=", StringComparison.Ordinal))
                {
                    return line["DEVNAME=".Length..];
                }
            }
        }
        catch (IOException)
        {
            // Gone (a loop device detached since): try the partition table.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return FromPartitions(major, minor) ?? $"{major}:{minor}";
    }

    private static string? FromPartitions(uint major, uint minor)
    {
        try
        {
            // "major minor  #blocks  name", after a header line.
            foreach (var line in File.ReadLines("/proc/partitions").Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length == 4 && f[0] == major.ToString() && f[1] == minor.ToString())
                {
                    return f[3];
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}
