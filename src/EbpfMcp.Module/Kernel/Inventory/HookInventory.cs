using System.Management.Automation;
using EbpfMcp.Kernel.Installations;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Inventory;

/// <summary>Builds <see cref="BpfHook"/> objects: programs from the kernel, joined with links, pins and perf events.</summary>
internal static unsafe class HookInventory
{
    private sealed record ProgramFacts(BpfProgramInfo Info, string Name, string Type, string Tag, uint[] MapIds);

    public static List<BpfHook> Read(uint[]? ids, WildcardPattern[]? names, string[]? types, bool includeProcesses = false)
    {
        var programs = new List<ProgramFacts>();
        foreach (var id in ids is { Length: > 0 } ? ids.Distinct().Order() : (IEnumerable<uint>)KernelObjectInfo.ProgramIds())
        {
            using var fd = KernelObjectInfo.OpenProgram(id);
            if (fd is null)
            {
                continue;
            }
            var info = KernelObjectInfo.Read<BpfProgramInfo>(fd);
            var name = KernelObjectInfo.CString(info.Name, 16);
            var type = KernelTypeNames.Program(info.Type);
            if (names is { Length: > 0 } && !names.Any(n => n.IsMatch(name)))
            {
                continue;
            }
            if (types is { Length: > 0 } && !types.Contains(type, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }
            programs.Add(new ProgramFacts(info, name, type, Convert.ToHexString(new ReadOnlySpan<byte>(info.Tag, 8)).ToLowerInvariant(), KernelObjectInfo.ProgramMapIds(fd, info.MapIdCount)));
        }
        if (programs.Count == 0)
        {
            return [];
        }

        var names2 = new AttachPointNames();
        var typeById = programs.ToDictionary(p => p.Info.Id, p => p.Info.Type);
        var attachments = programs.ToDictionary(p => p.Info.Id, _ => new List<string>());
        var linkIds = programs.ToDictionary(p => p.Info.Id, _ => new List<uint>());
        foreach (var link in LinkAttachments.ReadAll(names2, id => typeById.TryGetValue(id, out var t) ? t : 0))
        {
            if (attachments.TryGetValue(link.ProgramId, out var list))
            {
                list.Add(link.AttachedTo);
                linkIds[link.ProgramId].Add(link.LinkId);
            }
        }
        AddLinklessAttachments(programs, attachments, names2);
        // Link-less attachments this module made (tc filters) are known from the installation record.
        foreach (var p in programs)
        {
            if (InstallationRegistry.OfProgram(p.Info.Id) is { } installation)
            {
                attachments[p.Info.Id].AddRange(installation.AttachedTo(p.Info.Id).Where(a => a.StartsWith("tc:", StringComparison.Ordinal)));
            }
        }

        var pins = PinnedObjects.Scan();
        var holders = includeProcesses ? BpfFdHolders.ByProgram() : null;
        return programs.Select(p => new BpfHook
        {
            Id = p.Info.Id,
            Name = p.Name,
            Type = p.Type,
            Tag = p.Tag,
            AttachedTo = [.. attachments[p.Info.Id].Distinct()],
            LinkIds = [.. linkIds[p.Info.Id]],
            Pinned = PinnedObjects.For(pins.Programs, p.Info.Id),
            MapIds = p.MapIds,
            LoadedAt = LibCClock.FromBoottime(p.Info.LoadTime),
            Uid = p.Info.CreatedByUid,
            RunCount = p.Info.RunCount,
            RunTimeNs = p.Info.RunTimeNs,
            InstalledBy = InstallationRegistry.OfProgram(p.Info.Id)?.Id,
            LoadedBy = LoadedBy(p.Info.Id),
            HeldBy = holders is null ? null : [.. holders.GetValueOrDefault(p.Info.Id) ?? []],
        }).ToList();
    }

    /// <summary>What in this process loaded a program, when this module did.</summary>
    private static string? LoadedBy(uint programId)
    {
        if (InstallationRegistry.OfProgram(programId) is { } installation)
        {
            return $"Install-BpfProgram {installation.Id} (owner {installation.Owner})";
        }
        return TracerPrograms.TracerOf(programId);
    }

    // Program types that can hang off a perf event fd or a netlink XDP hook without any link.
    private static readonly string[] PerfAttachable = ["kprobe", "tracepoint", "perf_event", "raw_tracepoint"];

    private static void AddLinklessAttachments(List<ProgramFacts> programs, Dictionary<uint, List<string>> attachments, AttachPointNames names)
    {
        if (programs.Any(p => attachments[p.Info.Id].Count == 0 && PerfAttachable.Contains(p.Type)))
        {
            foreach (var (programId, attachedTo) in PerfEventAttachments.ReadAll(names))
            {
                attachments.GetValueOrDefault(programId)?.Add(attachedTo);
            }
        }
        if (programs.Any(p => attachments[p.Info.Id].Count == 0 && p.Type == "xdp"))
        {
            foreach (var (programId, attachedTo) in NetlinkXdpAttachments())
            {
                attachments.GetValueOrDefault(programId)?.Add(attachedTo);
            }
        }
    }

    private static List<(uint, string)> NetlinkXdpAttachments()
    {
        var found = new List<(uint, string)>();
        (int Flag, string Mode)[] modes = [(2, "generic"), (4, "driver"), (8, "offload")];
        foreach (var dir in Directory.Exists("/sys/class/net") ? Directory.GetDirectories("/sys/class/net") : [])
        {
            var ifname = Path.GetFileName(dir);
            var ifindex = LibC.InterfaceIndex(ifname);
            foreach (var (flag, mode) in modes)
            {
                uint programId = 0;
                if (ifindex != 0 && LibBpfSyscallApi.XdpQueryId((int)ifindex, flag, &programId) == 0 && programId != 0)
                {
                    found.Add((programId, $"xdp:{ifname} ({mode})"));
                }
            }
        }
        return found;
    }
}
