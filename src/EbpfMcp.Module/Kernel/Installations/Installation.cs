using EbpfMcp.Kernel.Loading;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Installations;

/// <summary>
/// The live kernel objects of one Install-BpfProgram call: the libbpf object (programs, maps),
/// the links that attach them, and any pins. Disposing it detaches, unpins and unloads.
/// </summary>
internal sealed class Installation : IDisposable
{
    private readonly BpfObjectHandle bpfObject;
    private readonly List<Attachment> links;
    private readonly PinDirectory? pins;

    public Installation(BpfInstallation description, BpfObjectHandle bpfObject, List<Attachment> links, PinDirectory? pins)
    {
        Description = description;
        this.bpfObject = bpfObject;
        this.links = links;
        this.pins = pins;
    }

    public BpfInstallation Description { get; }

    public string Id => Description.Id;

    /// <summary>Who may uninstall it (see <see cref="BpfInstallation.Owner"/>).</summary>
    public string Owner => Description.Owner;

    public bool OwnsProgram(uint id) => Description.Programs.Any(p => p.Id == id);

    public bool OwnsMap(uint id) => Description.Maps.Any(m => m.Id == id);

    /// <summary>What the installation attached its program to, as it recorded at attach time.</summary>
    public string[] AttachedTo(uint programId) => Description.Programs.FirstOrDefault(p => p.Id == programId)?.AttachedTo ?? [];

    public void Dispose()
    {
        foreach (var link in links)
        {
            link.Dispose();
        }
        pins?.Dispose(); // the pins, then the directories the install created
        bpfObject.Dispose();
    }
}
