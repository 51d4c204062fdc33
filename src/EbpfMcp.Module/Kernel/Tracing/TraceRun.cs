using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using EbpfMcp.Model;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// A trace whose kernel side is loaded and attached, gathering results until it is disposed: a
/// stream of events from a ring buffer, or aggregates the kernel keeps in maps. The same run serves
/// a foreground cmdlet and a background job; Dispose detaches and unloads.
/// </summary>
internal abstract class TraceRun : IDisposable
{
    private readonly IReadOnlyList<uint> programIds;
    private readonly IDisposable kernelSide;

    /// <param name="kernelSide">What holds the programs in the kernel; disposing it detaches and unloads them.</param>
    protected TraceRun(string tracer, string hook, IReadOnlyList<uint> programIds, IDisposable kernelSide)
    {
        Tracer = tracer;
        Hook = hook;
        this.programIds = programIds;
        this.kernelSide = kernelSide;
        TracerPrograms.Add(programIds, tracer);
    }

    /// <summary>The cmdlet that started it ("Trace-BpfFileOpen").</summary>
    public string Tracer { get; }

    /// <summary>The kernel hook it runs on.</summary>
    public string Hook { get; }

    /// <summary>Hands what arrived since the last call to <paramref name="emit"/>; waits up to <paramref name="wait"/> when nothing has.</summary>
    public abstract void Poll(TimeSpan wait, Action<object> emit);

    /// <summary>Results that exist only when the trace ends (rows read from the kernel's maps); read before Dispose.</summary>
    public virtual IReadOnlyList<object> Complete() => [];

    /// <summary>What an aggregating trace has gathered so far, without ending it.</summary>
    public virtual IReadOnlyList<object> Snapshot() => [];

    /// <summary>Events the kernel could not hand over (ring buffer full, or a full table).</summary>
    public virtual long Lost() => 0;

    /// <summary>
    /// The results as text, from what <see cref="Complete"/> returned: by default the multi-line
    /// renderings of results that have one (histogram bars), null otherwise.
    /// </summary>
    public virtual string? Report(IReadOnlyList<object> completed)
    {
        var drawn = completed.Take(20).Select(r => r.ToString()).Where(s => s?.Contains('\n') == true).ToList();
        return drawn.Count == 0 ? null : string.Join("\n\n", drawn);
    }

    /// <summary>Files the run wrote its results to (a profile's -OutFile), once it completed.</summary>
    public virtual IReadOnlyList<string> Files => [];

    /// <summary>What to tell the user when the kernel lost <paramref name="lost"/> events.</summary>
    public virtual string LostWarning(long lost) =>
        $"{lost} event(s) were lost in the kernel: the ring buffer was full. Narrow the trace with -ProcessId or -ProcessName.";

    /// <summary>Frees what reads the kernel side (a ring buffer consumer) before the kernel side goes.</summary>
    protected virtual void ReleaseReaders()
    {
    }

    public void Dispose()
    {
        ReleaseReaders();
        kernelSide.Dispose();
        TracerPrograms.Remove(programIds);
    }
}

/// <summary>
/// A run that streams events from the object's "events" ring buffer. A reader thread of its own
/// drains the ring (so a slow pipeline never makes the kernel drop events) and decodes records into
/// a bounded queue; the caller takes them from there. Events that find the queue full are counted
/// as dropped, never silently gone.
/// </summary>
/// <typeparam name="TRecord">The C# mirror of the event struct; its first member is the event context.</typeparam>
internal sealed class EventTraceRun<TRecord> : TraceRun where TRecord : unmanaged
{
    /// <summary>One record as an event without its context (the run fills that in); null drops the record.</summary>
    public delegate BpfTraceEvent? Decoder(TRecord record, EventContextDecoder context);

    /// <summary>
    /// Events decoded but not yet taken; beyond it they are dropped (and counted). A storm outruns a
    /// pipeline that does anything with each event: a million events in a second are held here (a
    /// few hundred bytes each while they wait) rather than lost.
    /// </summary>
    public const int QueueLimit = 1 << 20;

    private const int BatchLimit = 4096;
    private readonly RingBufferReader reader;
    private readonly Decoder decode;
    private readonly EventContextDecoder context = new();
    private readonly ConcurrentQueue<BpfTraceEvent> queue = new();
    private readonly SemaphoreSlim arrived = new(0);
    private readonly Thread thread;
    private volatile bool stopping;
    private Exception? failure;
    private int queued;
    private long dropped;

    private readonly TracerObject kernel;

    public EventTraceRun(string tracer, string hook, TracerObject kernel, Decoder decode)
        : base(tracer, hook, kernel.ProgramIds, kernel)
    {
        this.kernel = kernel;
        this.decode = decode;
        reader = new RingBufferReader(kernel.MapFd("events"), OnRecord);
        thread = new Thread(Read) { IsBackground = true, Name = "bpf-ring " + tracer };
        thread.Start();
    }

    private void Read()
    {
        try
        {
            while (!stopping)
            {
                // Woken by the kernel once a batch piled up, or after 20 ms: then take what is there.
                reader.Poll(20);
                if (reader.Consume() > 0 || !queue.IsEmpty)
                {
                    arrived.Release();
                }
            }
        }
        catch (Exception e)
        {
            failure = e;
            arrived.Release();
        }
    }

    public override void Poll(TimeSpan wait, Action<object> emit)
    {
        if (queue.IsEmpty)
        {
            arrived.Wait(wait);
        }
        ThrowIfFailed();
        // Emitted on the caller's thread, never in libbpf's callback: a stopped pipeline may throw from emit.
        for (int n = 0; n < BatchLimit && queue.TryDequeue(out var e); n++)
        {
            Interlocked.Decrement(ref queued);
            emit(e);
        }
    }

    /// <summary>Stops the reader and hands over everything still queued or still in the ring.</summary>
    public override IReadOnlyList<object> Complete()
    {
        StopReader();
        ThrowIfFailed();
        reader.Consume();
        var rest = new List<object>(queue.Count);
        while (queue.TryDequeue(out var e))
        {
            rest.Add(e);
        }
        queued = 0;
        return rest;
    }

    private void OnRecord(ReadOnlySpan<byte> bytes)
    {
        // Records may be shorter than the struct (a path sent only up to its end): the rest reads as zeros.
        TRecord record;
        if (bytes.Length >= Unsafe.SizeOf<TRecord>())
        {
            record = System.Runtime.InteropServices.MemoryMarshal.Read<TRecord>(bytes);
        }
        else
        {
            record = default;
            bytes.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new Span<TRecord>(ref record)));
        }
        if (decode(record, context) is not { } e)
        {
            return;
        }
        if (Volatile.Read(ref queued) >= QueueLimit)
        {
            Interlocked.Increment(ref dropped);
            return;
        }
        context.Apply(Unsafe.As<TRecord, EventContextRecord>(ref record), e);
        queue.Enqueue(e);
        Interlocked.Increment(ref queued);
    }

    /// <summary>Events lost in the kernel (ring full) plus those the queue had no room for.</summary>
    public override long Lost() => (long)kernel.PerCpuCounter("lost_events") + Interlocked.Read(ref dropped);

    private void ThrowIfFailed()
    {
        if (failure is { } e)
        {
            failure = null;
            throw new InvalidOperationException($"Reading the {Tracer} events failed: {e.Message}", e);
        }
    }

    private void StopReader()
    {
        stopping = true;
        if (thread.IsAlive && Thread.CurrentThread != thread)
        {
            thread.Join();
        }
    }

    protected override void ReleaseReaders()
    {
        StopReader();
        reader.Dispose();
        arrived.Dispose();
    }
}

/// <summary>A run whose results the kernel aggregates in maps: nothing streams; rows are read at the end or on request.</summary>
internal sealed class AggregateTraceRun(string tracer, string hook, TracerObject kernel, Func<TracerObject, IReadOnlyList<object>> read, Func<TracerObject, long>? lost = null, Func<long, string>? lostWarning = null)
    : TraceRun(tracer, hook, kernel.ProgramIds, kernel)
{
    public override void Poll(TimeSpan wait, Action<object> emit) => Thread.Sleep(wait < TimeSpan.FromMilliseconds(50) ? wait : TimeSpan.FromMilliseconds(50));

    public override IReadOnlyList<object> Complete() => read(kernel);

    public override IReadOnlyList<object> Snapshot() => read(kernel);

    public override long Lost() => lost?.Invoke(kernel) ?? 0;

    public override string LostWarning(long count) => lostWarning?.Invoke(count) ?? base.LostWarning(count);
}
