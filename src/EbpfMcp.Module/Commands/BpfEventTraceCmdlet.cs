using System.Buffers.Binary;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>
/// Base of the tracers that stream events: loads the tracer's object with its configuration,
/// drains the ring buffer into the pipeline as events arrive, stops at -Duration, -First or a stop
/// request, detaches in every case, and warns about events the ring buffer could not hold.
/// </summary>
public abstract class BpfEventTraceCmdlet<TEvent> : BpfTraceCmdlet where TEvent : class
{
    /// <summary>The tracer's object and hooks (see <see cref="TracerCatalog"/>).</summary>
    private protected abstract TracerCatalog.Tracer Tracer { get; }

    /// <summary>The tracer's .rodata configuration (its trace_config variable).</summary>
    private protected virtual byte[] Configuration() => ProcessFilterBytes();

    /// <summary>One ring buffer record as an output object; null to drop it (user-space filters).</summary>
    private protected abstract TEvent? Decode(byte[] record);

    protected override void ProcessRecord()
    {
        TracerObject tracer;
        string hook;
        try
        {
            (tracer, hook) = HookChoice.Start(Tracer.ObjectName, Tracer.Hooks, Configuration());
        }
        catch (BpfException e)
        {
            TerminateOn(e);
            return;
        }
        int written = 0;
        ulong lost;
        try
        {
            using var reader = new RingBufferReader(tracer.MapFd("events"));
            WriteVerbose($"{MyInvocation.MyCommand.Name}: tracing on {hook} for {Duration} s.");
            RunFor(MyInvocation.MyCommand.Name, left =>
            {
                foreach (var record in reader.Poll((int)Math.Clamp(left.TotalMilliseconds, 1, 100)))
                {
                    if (Decode(record) is { } item)
                    {
                        WriteObject(item);
                        if (++written >= First)
                        {
                            return true;
                        }
                    }
                }
                return false;
            });
            lost = tracer.PerCpuCounter("lost_events");
        }
        finally
        {
            tracer.Dispose(); // detach and unload, also when the pipeline stops or throws
        }
        if (lost > 0)
        {
            WriteWarning($"{lost} event(s) were lost: the ring buffer was full. Narrow the trace with -ProcessId or -ProcessName.");
        }
    }

    /// <summary>A NUL-terminated string field of a record.</summary>
    private protected static string CString(byte[] record, int offset, int length)
    {
        var span = record.AsSpan(offset, Math.Min(length, record.Length - offset));
        int end = span.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    private protected static DateTimeOffset Time(byte[] record, int offset) =>
        LibCClock.FromBoottime(BinaryPrimitives.ReadUInt64LittleEndian(record.AsSpan(offset)));
}
