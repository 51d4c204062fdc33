using EbpfMcp.Kernel.Host;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Inventory;

/// <summary>Which bpffs paths pin which programs, maps and links (walks every mounted bpffs).</summary>
internal sealed class PinnedObjects
{
    public Dictionary<uint, List<string>> Programs { get; } = new();
    public Dictionary<uint, List<string>> Maps { get; } = new();
    public Dictionary<uint, List<string>> Links { get; } = new();

    public static PinnedObjects Scan()
    {
        var pins = new PinnedObjects();
        foreach (var root in MountTable.MountPoints("bpf").Distinct())
        {
            IEnumerable<string> files;
            try
            {
                files = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }).ToList();
            }
            catch (IOException)
            {
                continue;
            }
            foreach (var file in files)
            {
                pins.Add(file);
            }
        }
        return pins;
    }

    private void Add(string path)
    {
        int fd = LibBpfSyscallApi.ObjectGet(path);
        if (fd < 0)
        {
            return;
        }
        using var handle = new BpfFdHandle(fd);
        // fdinfo says what kind of object the fd is; the id then comes from the matching info struct.
        string fdinfo;
        try
        {
            fdinfo = File.ReadAllText($"/proc/self/fdinfo/{fd}");
        }
        catch (IOException)
        {
            return;
        }
        var (kind, id) = fdinfo.Contains("prog_type:") ? (Programs, KernelObjectInfo.Read<BpfProgramInfo>(handle).Id)
            : fdinfo.Contains("map_type:") ? (Maps, KernelObjectInfo.Read<BpfMapInfo>(handle).Id)
            : fdinfo.Contains("link_type:") ? (Links, KernelObjectInfo.Read<BpfLinkInfo>(handle).Id)
            : (null, 0u);
        if (kind is null)
        {
            return;
        }
        if (!kind.TryGetValue(id, out var list))
        {
            kind[id] = list = [];
        }
        list.Add(path);
    }

    public static string[] For(Dictionary<uint, List<string>> kind, uint id) =>
        kind.TryGetValue(id, out var list) ? [.. list] : [];
}
