using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace EbpfMcp.Kernel.Installations;

/// <summary>
/// Process-wide record of what this module installed, shared by every runspace of the process.
/// Uninstall consults it so only our own installations can be removed; Get-BpfHook and Get-BpfMap
/// use it to fill InstalledBy; Get-BpfInstallation lists it.
/// </summary>
internal static class InstallationRegistry
{
    private static readonly ConcurrentDictionary<string, Installation> Installations = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The owner of installations made without -Owner: this process.</summary>
    public static string ProcessOwner { get; } = "process:" + Environment.ProcessId;

    public static string NewId() => "bpf-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();

    public static void Add(Installation installation) => Installations[installation.Id] = installation;

    public static Installation? Find(string id) => Installations.TryGetValue(id, out var i) ? i : null;

    /// <summary>Every installation, oldest first.</summary>
    public static IReadOnlyList<Installation> All => [.. Installations.Values.OrderBy(i => i.Description.InstalledAt)];

    public static Installation? OfProgram(uint programId) => Installations.Values.FirstOrDefault(i => i.OwnsProgram(programId));

    public static Installation? OfMap(uint mapId) => Installations.Values.FirstOrDefault(i => i.OwnsMap(mapId));

    /// <summary>Detaches, unpins and unloads one installation; false when it is not ours (or already gone).</summary>
    public static bool Remove(string id)
    {
        if (!Installations.TryRemove(id, out var installation))
        {
            return false;
        }
        installation.Dispose();
        return true;
    }

    /// <summary>Removes every installation (the module is being removed); returns how many.</summary>
    public static int RemoveAll() => Installations.Keys.Count(Remove);
}
