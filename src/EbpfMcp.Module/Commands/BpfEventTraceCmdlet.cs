using System.Numerics;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Commands;

/// <summary>
/// Base of the tracers that stream events from a ring buffer: each declares its event type, the C#
/// mirror of its C event struct (whose first member is the shared event context), and how a record
/// becomes an event. Events stream to the pipeline, or, with -GroupBy, are counted into groups.
/// </summary>
/// <typeparam name="TEvent">The event type the cmdlet writes.</typeparam>
/// <typeparam name="TRecord">The mirror of the C event struct (checked against the object's BTF by a test).</typeparam>
public abstract class BpfEventTraceCmdlet<TEvent, TRecord> : BpfTraceCmdlet
    where TEvent : BpfTraceEvent
    where TRecord : unmanaged
{
    /// <summary>Count the events by these properties instead of returning them (each tracer's ValidateSet names its event's).</summary>
    public abstract string[]? GroupBy { get; set; }

    private protected override string[]? Grouping => GroupBy;

    /// <summary>The tracer's .rodata configuration; by default the process filter alone.</summary>
    private protected virtual ReadOnlySpan<byte> Configuration(ProcessFilterRecord filter) => Bytes(filter).ToArray();

    /// <summary>
    /// The kernel ring buffer's size: 16 MiB per CPU, between 32 and 128 MiB (a power of two, as the
    /// kernel wants; its pages exist while the trace runs). A reader thread drains it continuously;
    /// it has to absorb what arrives while that thread waits for a CPU: 32 MiB holds ~90,000 file
    /// opens, 90 ms of a storm of a million a second (bench: a million opens on a busy 2-CPU VM lost
    /// 0-0.4% with 32 MiB, up to 9% with 16 MiB).
    /// </summary>
    private static uint RingBytes() => Math.Clamp(BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount * (16u << 20)), 32u << 20, 128u << 20);

    /// <summary>One record as an event, without its context (filled in afterwards); null drops it (user-space filters).</summary>
    private protected abstract TEvent? Decode(TRecord record, EventContextDecoder context);

    private protected override TraceRun Start()
    {
        var (kernel, hook) = StartKernel(Configuration(Filter()), new Dictionary<string, uint> { ["events"] = RingBytes() });
        try
        {
            return new EventTraceRun<TRecord>(MyInvocation.MyCommand.Name, hook, kernel, Decode); // a method group: no lambda copying each record once more
        }
        catch
        {
            kernel.Dispose();
            TracerPrograms.Remove(kernel.ProgramIds);
            throw;
        }
    }
}
