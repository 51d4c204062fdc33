// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>
/// Owns a libbpf struct bpf_object*. Closing it unloads its programs and maps from this process;
/// the kernel frees them once no fd, link or pin refers to them.
/// </summary>
internal sealed class BpfObjectHandle : SafeHandle
{
    public BpfObjectHandle(IntPtr obj) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(obj);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        LibBpfObjectApi.Close(handle);
        return true;
    }

    public IEnumerable<BpfProgramHandle> Programs()
    {
        for (var p = Next(LibBpfObjectApi.NextProgram, IntPtr.Zero); p != IntPtr.Zero; p = Next(LibBpfObjectApi.NextProgram, p))
        {
            yield return new BpfProgramHandle(this, p);
        }
    }

    public IEnumerable<BpfMapHandle> Maps()
    {
        for (var m = Next(LibBpfObjectApi.NextMap, IntPtr.Zero); m != IntPtr.Zero; m = Next(LibBpfObjectApi.NextMap, m))
        {
            yield return new BpfMapHandle(this, m);
        }
    }

    private IntPtr Next(Func<IntPtr, IntPtr, IntPtr> next, IntPtr previous)
    {
        bool added = false;
        DangerousAddRef(ref added);
        try
        {
            return next(handle, previous);
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }
}
