using System.Management.Automation;
using EbpfMcp.Kernel.Installations;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Inventory;

/// <summary>Builds <see cref="BpfMap"/> objects, with the programs that use each map.</summary>
internal static unsafe class MapInventory
{
    public static List<BpfMap> Read(uint[]? ids, WildcardPattern[]? names)
    {
        var maps = new List<BpfMapInfo>();
        foreach (var id in ids is { Length: > 0 } ? ids.Distinct().Order() : (IEnumerable<uint>)KernelObjectInfo.MapIds())
        {
            using var fd = KernelObjectInfo.OpenMap(id);
            if (fd is null)
            {
                continue;
            }
            var info = KernelObjectInfo.Read<BpfMapInfo>(fd);
            var name = KernelObjectInfo.CString(info.Name, 16);
            if (names is { Length: > 0 } && !names.Any(n => n.IsMatch(name)))
            {
                continue;
            }
            maps.Add(info);
        }
        if (maps.Count == 0)
        {
            return [];
        }
        var users = ProgramsByMap();
        var pins = PinnedObjects.Scan();
        return maps.Select(m => new BpfMap
        {
            Id = m.Id,
            Name = KernelObjectInfo.CString(m.Name, 16),
            Type = KernelTypeNames.Map(m.Type),
            KeySize = m.KeySize,
            ValueSize = m.ValueSize,
            MaxEntries = m.MaxEntries,
            Flags = m.MapFlags,
            BtfId = m.BtfId,
            ProgramIds = users.TryGetValue(m.Id, out var p) ? [.. p] : [],
            Pinned = PinnedObjects.For(pins.Maps, m.Id),
            InstalledBy = InstallationRegistry.OfMap(m.Id)?.Id,
        }).ToList();
    }

    /// <summary>Map id → ids of the programs whose instructions reference it.</summary>
    private static Dictionary<uint, List<uint>> ProgramsByMap()
    {
        var users = new Dictionary<uint, List<uint>>();
        foreach (var programId in KernelObjectInfo.ProgramIds())
        {
            using var fd = KernelObjectInfo.OpenProgram(programId);
            if (fd is null)
            {
                continue;
            }
            var info = KernelObjectInfo.Read<BpfProgramInfo>(fd);
            foreach (var mapId in KernelObjectInfo.ProgramMapIds(fd, info.MapIdCount))
            {
                if (!users.TryGetValue(mapId, out var list))
                {
                    users[mapId] = list = [];
                }
                list.Add(programId);
            }
        }
        return users;
    }
}
