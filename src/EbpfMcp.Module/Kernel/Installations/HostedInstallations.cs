using EbpfMcp.Kernel.Inventory;

namespace EbpfMcp.Kernel.Installations;

/// <summary>
/// For hosts of the module (the MCP bridge): installations carry an owner tag (the host sets the
/// $EbpfMcpOwner variable), and a host removes what one owner installed when that owner goes away.
/// </summary>
public static class HostedInstallations
{
    /// <summary>Detaches and unloads every installation of <paramref name="owner"/>; returns how many.</summary>
    public static int RemoveOwnedBy(string owner)
    {
        int removed = 0;
        foreach (var installation in InstallationRegistry.All.Where(i => i.Owner == owner))
        {
            removed += InstallationRegistry.Remove(installation.Id) ? 1 : 0;
        }
        return removed;
    }

    public static int CountOwnedBy(string owner) => InstallationRegistry.All.Count(i => i.Owner == owner);

    /// <summary>Program ids an owner's installations loaded.</summary>
    public static uint[] ProgramIdsOwnedBy(string owner) =>
        [.. InstallationRegistry.All.Where(i => i.Owner == owner).SelectMany(i => i.Description.Programs.Select(p => p.Id))];
}

/// <summary>What one owner's installations hold in the kernel, for quotas.</summary>
public sealed record InstallationUsage(int Programs, int Maps, long MemlockBytes);

/// <summary>Usage accounting for hosts that enforce per-owner quotas.</summary>
public static class HostedInstallationUsage
{
    public static IReadOnlyList<string> InstallationIdsOwnedBy(string owner) =>
        [.. InstallationRegistry.All.Where(i => i.Owner == owner).Select(i => i.Id)];

    public static bool Remove(string installationId) => InstallationRegistry.Remove(installationId);

    /// <summary>Counts and the kernel's memlock charge (from fdinfo) of an owner's programs and maps.</summary>
    public static InstallationUsage UsageOf(string owner)
    {
        var installations = InstallationRegistry.All.Where(i => i.Owner == owner).ToList();
        var programIds = installations.SelectMany(i => i.Description.Programs.Select(p => p.Id)).Distinct().ToList();
        var mapIds = installations.SelectMany(i => i.Description.Maps.Select(m => m.Id)).Distinct().ToList();
        long memlock = programIds.Sum(id => Memlock(KernelObjectInfo.OpenProgram(id))) + mapIds.Sum(id => Memlock(KernelObjectInfo.OpenMap(id)));
        return new InstallationUsage(programIds.Count, mapIds.Count, memlock);
    }

    private static long Memlock(Native.BpfFdHandle? fd)
    {
        if (fd is null)
        {
            return 0;
        }
        using (fd)
        {
            foreach (var line in File.ReadLines($"/proc/self/fdinfo/{fd.Fd}"))
            {
                if (line.StartsWith("memlock:", StringComparison.Ordinal) && long.TryParse(line[8..].Trim(), out var bytes))
                {
                    return bytes;
                }
            }
            return 0;
        }
    }
}
