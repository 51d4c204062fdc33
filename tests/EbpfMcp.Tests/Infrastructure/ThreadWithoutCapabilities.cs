using System.Runtime.InteropServices;

namespace EbpfMcp.Tests.Infrastructure;

/// <summary>
/// Runs code on a fresh thread whose capabilities are all dropped (capset(2) acts per thread on
/// Linux), so the kernel refuses bpf(2) calls from it exactly as it would for an unprivileged
/// process, while the rest of the test process keeps root.
/// </summary>
public static unsafe partial class ThreadWithoutCapabilities
{
    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader { public uint Version; public int Pid; }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData { public uint Effective, Permitted, Inheritable; }

    private const uint Version3 = 0x20080522;

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static partial int CapSet(CapHeader* header, CapData* data);

    public static T Run<T>(Func<T> body) => DedicatedThread.Run(() =>
    {
        var header = new CapHeader { Version = Version3, Pid = 0 };
        var data = stackalloc CapData[2]; // all zero: no effective, permitted or inheritable capability
        if (CapSet(&header, data) != 0)
        {
            throw new InvalidOperationException($"capset failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return body();
    });
}
