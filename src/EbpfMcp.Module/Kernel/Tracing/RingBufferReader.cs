using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Drains a BPF ring buffer with libbpf's consumer. libbpf calls back synchronously inside poll on
/// the polling thread, so each record is handed to the handler in place (no copy); an exception in
/// the handler is held and rethrown once poll has returned, never thrown through native frames.
/// </summary>
internal sealed unsafe class RingBufferReader : IDisposable
{
    public delegate void RecordHandler(ReadOnlySpan<byte> record);

    private const int EINTR = 4;
    private readonly RecordHandler handler;
    private Exception? failure;
    private GCHandle self;
    private IntPtr ringBuffer;

    public RingBufferReader(int mapFd, RecordHandler handler)
    {
        this.handler = handler;
        self = GCHandle.Alloc(this);
        ringBuffer = LibBpfRingBufferApi.New(mapFd, &OnRecord, (void*)GCHandle.ToIntPtr(self), null);
        if (ringBuffer == IntPtr.Zero)
        {
            int errno = Marshal.GetLastPInvokeError();
            self.Free();
            throw BpfException.FromErrno("ring_buffer__new", errno, "RingBufferUnavailable");
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for records and handles what arrived; returns how many.</summary>
    public int Poll(int timeoutMs)
    {
        int rc = LibBpfRingBufferApi.Poll(ringBuffer, timeoutMs);
        if (failure is { } e)
        {
            failure = null;
            throw new InvalidOperationException("Decoding a ring buffer record failed: " + e.Message, e);
        }
        if (rc < 0 && -rc != EINTR)
        {
            throw BpfException.FromErrno("ring_buffer__poll", -rc, "RingBufferFailed");
        }
        return Math.Max(rc, 0);
    }

    /// <summary>Handles every record there is now, without waiting (the kernel may not have woken us: it batches wakeups).</summary>
    public int Consume()
    {
        int rc = LibBpfRingBufferApi.Consume(ringBuffer);
        if (failure is { } e)
        {
            failure = null;
            throw new InvalidOperationException("Decoding a ring buffer record failed: " + e.Message, e);
        }
        if (rc < 0)
        {
            throw BpfException.FromErrno("ring_buffer__consume", -rc, "RingBufferFailed");
        }
        return rc;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnRecord(void* context, void* data, nuint size)
    {
        var reader = (RingBufferReader)GCHandle.FromIntPtr((IntPtr)context).Target!;
        try
        {
            reader.handler(new ReadOnlySpan<byte>(data, (int)size));
            return 0;
        }
        catch (Exception e)
        {
            reader.failure = e;
            return -1; // stops this poll; the exception is rethrown by Poll
        }
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
