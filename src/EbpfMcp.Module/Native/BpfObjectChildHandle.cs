// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>
/// A pointer into a bpf_object (a program or a map). It holds a reference on its object, so the
/// object cannot be closed under it: the pointer stays valid as long as this handle lives.
/// </summary>
internal abstract class BpfObjectChildHandle : SafeHandle
{
    private readonly BpfObjectHandle parent;

    protected BpfObjectChildHandle(BpfObjectHandle parent, IntPtr child) : base(IntPtr.Zero, ownsHandle: true)
    {
        this.parent = parent;
        bool added = false;
        parent.DangerousAddRef(ref added);
        SetHandle(child);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>The libbpf pointer; valid while this handle is alive.</summary>
    public IntPtr Pointer => handle;

    protected override bool ReleaseHandle()
    {
        parent.DangerousRelease();
        return true;
    }
}

internal sealed class BpfProgramHandle(BpfObjectHandle parent, IntPtr program) : BpfObjectChildHandle(parent, program)
{
    public string Name => LibBpfObjectApi.Utf8(LibBpfObjectApi.ProgramName(Pointer)) ?? "";

    public string Section => LibBpfObjectApi.Utf8(LibBpfObjectApi.ProgramSection(Pointer)) ?? "";

    public int Fd => LibBpfObjectApi.ProgramFd(Pointer);

    public int Type => LibBpfObjectApi.ProgramType(Pointer);

    public bool Autoload
    {
        get => LibBpfObjectApi.ProgramAutoload(Pointer);
        set => LibBpfObjectApi.SetProgramAutoload(Pointer, value);
    }
}

internal sealed class BpfMapHandle(BpfObjectHandle parent, IntPtr map) : BpfObjectChildHandle(parent, map)
{
    public string Name => LibBpfObjectApi.Utf8(LibBpfObjectApi.MapName(Pointer)) ?? "";

    public int Fd => LibBpfObjectApi.MapFd(Pointer);
}
