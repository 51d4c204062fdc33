using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EbpfMcp.Model;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Drives a <see cref="TraceRun"/> until its time is up, it is stopped, or -First events came, and
/// keeps what is never lost whatever happens to single events: how many there were, how many per
/// process, and the -GroupBy groups. Events (when not grouped) and aggregate rows go to the sink as
/// they come; a foreground cmdlet writes them to the pipeline, a background job buffers them.
/// </summary>
internal sealed class TraceCollector(TraceRun run, string[]? groupBy, int first)
{
    private const int MaxProcesses = 4096;
    private readonly Dictionary<string, long> byProcess = new(StringComparer.Ordinal);
    private readonly object gate = new();
    private long events;
    private long lastLost;
    private string? report;

    public TraceRun Run { get; } = run;

    /// <summary>The groups of -GroupBy, counted over every event; null when not grouping.</summary>
    public EventGrouper? Grouper { get; } = groupBy is { Length: > 0 } ? new EventGrouper(groupBy) : null;

    public long Events => Interlocked.Read(ref events);

    /// <summary>
    /// Runs until <paramref name="duration"/> is over, <paramref name="stopping"/> says so, or -First
    /// events were collected. <paramref name="emit"/> gets each event (when not grouping) and, at the
    /// end, the aggregate rows; <paramref name="progress"/> is called about four times a second.
    /// </summary>
    public void Collect(TimeSpan duration, Func<bool> stopping, Action<object> emit, Action<TimeSpan>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        bool enough = false;
        void Take(object item)
        {
            if (enough)
            {
                return;
            }
            Count(item);
            if (Grouper is null)
            {
                emit(item);
            }
            enough = Events >= first && (Grouper is null || item is not BpfTraceEvent);
        }
        // What is left is read once per round: read twice, time passing in between (a GC pause, a
        // preempted thread) made it negative, which waits refuse.
        while (!enough && !stopping())
        {
            var left = duration - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                break;
            }
            Run.Poll(Min(left, TimeSpan.FromMilliseconds(100)), Take);
            if (progress is not null && clock.Elapsed - lastProgress >= TimeSpan.FromMilliseconds(250))
            {
                lastProgress = clock.Elapsed;
                progress(clock.Elapsed);
            }
        }
        // What is still on its way (events in the ring and queue), or only exists now (aggregate rows).
        var completed = Run.Complete();
        foreach (var item in completed)
        {
            Take(item);
        }
        report = Run.Report(completed);
    }

    private void Count(object item)
    {
        Interlocked.Increment(ref events);
        if (item is not BpfTraceEvent e)
        {
            return;
        }
        lock (gate)
        {
            // One lookup per event; past MaxProcesses only the processes already counted go on.
            ref long count = ref byProcess.Count < MaxProcesses
                ? ref CollectionsMarshal.GetValueRefOrAddDefault(byProcess, e.ProcessName, out _)
                : ref CollectionsMarshal.GetValueRefOrNullRef(byProcess, e.ProcessName);
            if (!Unsafe.IsNullRef(ref count))
            {
                count++;
            }
            Grouper?.Add(e);
        }
    }

    /// <summary>The groups so far (a copy, safe while the trace runs).</summary>
    public List<BpfEventGroup> Groups()
    {
        lock (gate)
        {
            return Grouper?.Groups() ?? [];
        }
    }

    public BpfTraceSummary Summary(string? traceId, long dropped)
    {
        lock (gate)
        {
            return new BpfTraceSummary
            {
                Tracer = Run.Tracer,
                TraceId = traceId,
                Hook = Run.Hook,
                Events = Events,
                Lost = Lost(),
                Dropped = dropped,
                Files = [.. Run.Files],
                Report = report,
                ByProcess = byProcess.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(20).ToDictionary(p => p.Key, p => p.Value),
            };
        }
    }

    /// <summary>Events the kernel lost; once the run is disposed, the last count read.</summary>
    public long Lost()
    {
        try
        {
            return lastLost = Run.Lost();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or EbpfMcp.Native.BpfException)
        {
            return lastLost;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
