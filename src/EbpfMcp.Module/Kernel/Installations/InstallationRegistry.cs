using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace EbpfMcp.Kernel.Installations;

/// <summary>
/// Process-wide record of what this module installed. Uninstall consults it so only our own
/// installations can be removed; Get-BpfHook uses it to fill InstalledBy.
/// </summary>
internal static class InstallationRegistry
{
    private static readonly ConcurrentDictionary<string, Installation> Installations = new(StringComparer.OrdinalIgnoreCase);

    public static string NewId() => "bpf-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();

    public static void Add(Installation installation) => Installations[installation.Id] = installation;

    public static Installation? Find(string id) => Installations.TryGetValue(id, out var i) ? i : null;

    public static IReadOnlyCollection<Installation> All => [.. Installations.Values];

    public static string? OwnerOfProgram(uint programId) => Installations.Values.FirstOrDefault(i => i.OwnsProgram(programId))?.Id;

    public static string? OwnerOfMap(uint mapId) => Installations.Values.FirstOrDefault(i => i.OwnsMap(mapId))?.Id;

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
}
