using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Loading;

/// <summary>
/// One attachment of an installed program: a BPF link (detached by destroying it), or a link-less
/// tc filter (detached through netlink). Describe says what it is attached to.
/// </summary>
internal sealed class Attachment : IDisposable
{
    private readonly IDisposable detach;

    private Attachment(IDisposable detach, string attachedTo, BpfLinkHandle? link)
    {
        this.detach = detach;
        AttachedTo = attachedTo;
        Link = link;
    }

    public string AttachedTo { get; }

    /// <summary>The BPF link, when the attachment has one (it can be pinned).</summary>
    public BpfLinkHandle? Link { get; }

    public static Attachment ForLink(BpfLinkHandle link) => new(link, LinkAttachments.DescribeLinkFd(link.Fd), link);

    public static Attachment ForDetacher(IDisposable detacher, string attachedTo) => new(detacher, attachedTo, null);

    public void Dispose() => detach.Dispose();
}
