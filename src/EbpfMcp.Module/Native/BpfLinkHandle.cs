// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>Owns a libbpf struct bpf_link*: releasing it detaches the program from its hook.</summary>
internal sealed class BpfLinkHandle : SafeHandle
{
    public BpfLinkHandle(IntPtr link) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(link);

    public override bool IsInvalid => handle == IntPtr.Zero;

    public int Fd => LibBpfObjectApi.LinkFd(handle);

    public IntPtr Pointer => handle;

    protected override bool ReleaseHandle()
    {
        LibBpfObjectApi.DestroyLink(handle);
        return true;
    }
}
