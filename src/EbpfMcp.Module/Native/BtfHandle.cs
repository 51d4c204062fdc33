// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>Owns a libbpf struct btf* loaded from the kernel; type pointers read from it die with it.</summary>
internal sealed class BtfHandle : SafeHandle
{
    private BtfHandle(IntPtr btf) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(btf);

    public override bool IsInvalid => handle == IntPtr.Zero;

    public IntPtr Pointer => handle;

    protected override bool ReleaseHandle()
    {
        LibBpfBtfApi.Free(handle);
        return true;
    }

    public static BtfHandle LoadFromKernel(uint btfId)
    {
        var p = LibBpfBtfApi.LoadFromKernelById(btfId);
        if (p == IntPtr.Zero)
        {
            throw BpfException.FromErrno($"btf__load_from_kernel_by_id({btfId})", Marshal.GetLastPInvokeError(), "BtfLoadFailed");
        }
        return new BtfHandle(p);
    }

    /// <summary>The BTF of a BPF object file (null when libbpf finds none: libbpf returns NULL, or an error pointer with -errno).</summary>
    public static BtfHandle? ParseElf(string path)
    {
        var p = LibBpfBtfApi.ParseElf(path, IntPtr.Zero);
        return p == IntPtr.Zero || (ulong)p >= unchecked((ulong)-4095L) ? null : new BtfHandle(p);
    }

    public static BtfHandle LoadVmlinux()
    {
        var p = LibBpfBtfApi.LoadVmlinux();
        if (p == IntPtr.Zero)
        {
            throw BpfException.FromErrno("btf__load_vmlinux_btf", Marshal.GetLastPInvokeError(), "BtfUnavailable");
        }
        return new BtfHandle(p);
    }
}
