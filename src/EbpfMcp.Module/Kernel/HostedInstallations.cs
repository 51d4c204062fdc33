namespace EbpfMcp.Kernel;

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
