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
    protected TraceRun(string tracer, string hook, TracerObject kernel)
    {
        Tracer = tracer;
        Hook = hook;
        Kernel = kernel;
        TracerPrograms.Add(kernel.ProgramIds, tracer);
    }

    /// <summary>The cmdlet that started it ("Trace-BpfFileOpen").</summary>
    public string Tracer { get; }

    /// <summary>The kernel hook it runs on.</summary>
    public string Hook { get; }

    protected TracerObject Kernel { get; }

    /// <summary>Hands what arrived since the last call to <paramref name="emit"/>; waits up to <paramref name="wait"/> when nothing has.</summary>
    public abstract void Poll(TimeSpan wait, Action<object> emit);

    /// <summary>Results that exist only when the trace ends (rows read from the kernel's maps); read before Dispose.</summary>
    public virtual IReadOnlyList<object> Complete() => [];

    /// <summary>What an aggregating trace has gathered so far, without ending it.</summary>
    public virtual IReadOnlyList<object> Snapshot() => [];

    /// <summary>Events the kernel could not hand over (ring buffer full, or a full table).</summary>
    public virtual long Lost() => 0;

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
        Kernel.Dispose();
        TracerPrograms.Remove(Kernel.ProgramIds);
    }
}

/// <summary>A run that streams events from the object's "events" ring buffer, decoded record by record.</summary>
/// <typeparam name="TRecord">The C# mirror of the event struct; its first member is the event context.</typeparam>
internal sealed class EventTraceRun<TRecord> : TraceRun where TRecord : unmanaged
{
    /// <summary>One record as an event without its context (the run fills that in); null drops the record.</summary>
    public delegate BpfTraceEvent? Decoder(TRecord record, EventContextDecoder context);

    private readonly RingBufferReader reader;
    private readonly Decoder decode;
    private readonly EventContextDecoder context = new();
    private readonly List<BpfTraceEvent> arrived = [];

    public EventTraceRun(string tracer, string hook, TracerObject kernel, Decoder decode)
        : base(tracer, hook, kernel)
    {
        this.decode = decode;
        reader = new RingBufferReader(kernel.MapFd("events"), OnRecord);
    }

    public override void Poll(TimeSpan wait, Action<object> emit)
    {
        arrived.Clear();
        reader.Poll((int)Math.Clamp(wait.TotalMilliseconds, 0, 100));
        // Emitted after the poll, not in libbpf's callback: a stopped pipeline may throw from emit.
        foreach (var e in arrived)
        {
            emit(e);
        }
    }

    private void OnRecord(ReadOnlySpan<byte> bytes)
    {
        var record = System.Runtime.InteropServices.MemoryMarshal.Read<TRecord>(bytes);
        if (decode(record, context) is { } e)
        {
            context.Apply(Unsafe.As<TRecord, EventContextRecord>(ref record), e);
            arrived.Add(e);
        }
    }

    public override long Lost() => (long)Kernel.PerCpuCounter("lost_events");

    protected override void ReleaseReaders() => reader.Dispose();
}

/// <summary>A run whose results the kernel aggregates in maps: nothing streams; rows are read at the end or on request.</summary>
internal sealed class AggregateTraceRun(string tracer, string hook, TracerObject kernel, Func<TracerObject, IReadOnlyList<object>> read, Func<TracerObject, long>? lost = null, Func<long, string>? lostWarning = null)
    : TraceRun(tracer, hook, kernel)
{
    public override void Poll(TimeSpan wait, Action<object> emit) => Thread.Sleep(wait < TimeSpan.FromMilliseconds(50) ? wait : TimeSpan.FromMilliseconds(50));

    public override IReadOnlyList<object> Complete() => read(Kernel);

    public override IReadOnlyList<object> Snapshot() => read(Kernel);

    public override long Lost() => lost?.Invoke(Kernel) ?? 0;

    public override string LostWarning(long count) => lostWarning?.Invoke(count) ?? base.LostWarning(count);
}
