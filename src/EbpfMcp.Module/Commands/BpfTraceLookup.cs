using System.Management.Automation;
using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp.Commands;

/// <summary>Finding a background trace by id, for Receive-BpfTrace and Stop-BpfTrace.</summary>
internal static class BpfTraceLookup
{
    /// <summary>The trace, or null after writing a TraceNotFound error (unknown id, or results expired).</summary>
    public static BackgroundTrace? Find(Cmdlet cmdlet, string traceId)
    {
        if (TraceRegistry.Find(traceId) is { } trace)
        {
            return trace;
        }
        cmdlet.WriteError(new ErrorRecord(
            new ItemNotFoundException($"No background trace '{traceId}' exists in this process: the id is wrong, or its results expired ({BackgroundTrace.Retention.TotalMinutes:F0} minutes after it ended). Get-BpfTrace lists the traces there are."),
            "TraceNotFound", ErrorCategory.ObjectNotFound, traceId));
        return null;
    }

    /// <summary>
    /// The results of a trace: with <paramref name="groupBy"/> (or when it was started with
    /// -GroupBy) its groups; for an aggregating tracer still running, the aggregate so far; else the
    /// buffered events, taken out of the buffer unless <paramref name="keep"/>.
    /// </summary>
    public static IEnumerable<object> Results(BackgroundTrace trace, int first, string[]? groupBy, bool keep, Action<string> warn)
    {
        var started = trace.Collector.Grouper?.Properties;
        if (groupBy is { Length: > 0 } && started is not null && !groupBy.SequenceEqual(started, StringComparer.OrdinalIgnoreCase))
        {
            warn($"This trace counts groups by {string.Join(", ", started)} over every event; grouping by {string.Join(", ", groupBy)} is done over the events still buffered, and it keeps no events.");
        }
        if (started is not null && (groupBy is not { Length: > 0 } || groupBy.SequenceEqual(started, StringComparer.OrdinalIgnoreCase)))
        {
            return trace.Collector.Groups().Take(first);
        }
        if (trace.Running && trace.Collector.Run.Snapshot() is { Count: > 0 } soFar)
        {
            return soFar.Take(first);
        }
        if (groupBy is { Length: > 0 })
        {
            if (trace.Dropped > 0)
            {
                warn($"{trace.Dropped} event(s) did not fit the trace's buffer: these groups count the {trace.Job.Output.Count} buffered ones. Start the trace with -GroupBy to count every event.");
            }
            var grouper = new EventGrouper(groupBy);
            foreach (var e in trace.Job.Output.Select(o => o.BaseObject).OfType<Model.BpfTraceEvent>())
            {
                grouper.Add(e);
            }
            return grouper.Groups().Take(first);
        }
        return Take(trace.Job.Output, first, keep);
    }

    /// <summary>The first <paramref name="first"/> buffered results; unless kept, they leave the buffer (as Receive-Job does).</summary>
    private static List<object> Take(PSDataCollection<PSObject> buffer, int first, bool keep)
    {
        if (keep)
        {
            return [.. buffer.Take(first)];
        }
        var all = buffer.ReadAll();
        var taken = all.Take(first).ToList<object>();
        for (int i = taken.Count; i < all.Count; i++)
        {
            buffer.Insert(i - taken.Count, all[i]); // what was not asked for stays, in order, ahead of newer events
        }
        return taken;
    }
}
