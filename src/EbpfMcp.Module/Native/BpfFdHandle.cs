// SPDX-License-Identifier: GPL-2.0
using System.Runtime.InteropServices;

namespace EbpfMcp.Native;

/// <summary>Owns a file descriptor for a kernel BPF object (program, map, link, BTF) or a perf event.</summary>
internal sealed class BpfFdHandle : SafeHandle
{
    public BpfFdHandle(int fd) : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    public int Fd => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => LibC.Close(Fd) == 0;

    /// <summary>Wraps a libbpf result: a non-negative fd, or a failure that becomes an exception.</summary>
    public static BpfFdHandle FromResult(int result, string operation)
    {
        if (result < 0)
        {
            throw BpfException.FromErrno(operation, LibBpfSyscallApi.Errno(result));
        }
        return new BpfFdHandle(result);
    }

    /// <summary>
    /// Same as <see cref="FromResult"/>, but an object that vanished (ENOENT) or is being torn down
    /// right now (EAGAIN: a link whose last reference just went) yields null.
    /// </summary>
    public static BpfFdHandle? FromResultOrGone(int result, string operation)
    {
        if (result < 0 && LibBpfSyscallApi.Errno(result) is 2 or 11)
        {
            return null;
        }
        return FromResult(result, operation);
    }
}
