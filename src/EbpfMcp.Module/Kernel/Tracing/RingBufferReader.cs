using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Drains a BPF ring buffer with libbpf's consumer. libbpf calls back synchronously inside poll, so
/// events are copied into a list on the polling thread and handed back when poll returns.
/// </summary>
internal sealed unsafe class RingBufferReader : IDisposable
{
    private const int EINTR = 4;
    private readonly List<byte[]> received = [];
    private GCHandle self;
    private IntPtr ringBuffer;

    public RingBufferReader(int mapFd)
    {
        self = GCHandle.Alloc(this);
        ringBuffer = LibBpfRingBufferApi.New(mapFd, &OnEvent, (void*)GCHandle.ToIntPtr(self), null);
        if (ringBuffer == IntPtr.Zero)
        {
            int errno = Marshal.GetLastPInvokeError();
            self.Free();
            throw BpfException.FromErrno("ring_buffer__new", errno, "RingBufferUnavailable");
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for events; returns what arrived (maybe nothing).</summary>
    public List<byte[]> Poll(int timeoutMs)
    {
        received.Clear();
        int rc = LibBpfRingBufferApi.Poll(ringBuffer, timeoutMs);
        if (rc < 0 && -rc != EINTR)
        {
            throw BpfException.FromErrno("ring_buffer__poll", -rc, "RingBufferFailed");
        }
        return [.. received];
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnEvent(void* context, void* data, nuint size)
    {
        var reader = (RingBufferReader)GCHandle.FromIntPtr((IntPtr)context).Target!;
        reader.received.Add(new ReadOnlySpan<byte>(data, (int)size).ToArray());
        return 0;
    }

    public void Dispose()
    {
        if (ringBuffer != IntPtr.Zero)
        {
            LibBpfRingBufferApi.Free(ringBuffer);
            ringBuffer = IntPtr.Zero;
            self.Free();
        }
    }
}
