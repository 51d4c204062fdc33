using System.Collections.Concurrent;

namespace EbpfMcp.Kernel.Tracing;

/// <summary>
/// Every background trace of the process, shared by all its runspaces: Get-/Receive-/Stop-BpfTrace
/// find a trace here by id from anywhere. Finished traces are freed once their retention is over.
/// </summary>
internal static class TraceRegistry
{
    /// <summary>Background traces that may run at once in one process (hosts may allow fewer).</summary>
    public const int MaxRunning = 64;

    private static readonly ConcurrentDictionary<string, BackgroundTrace> Traces = new(StringComparer.Ordinal);
    private static readonly Timer Sweeper = new(_ => Sweep(), null, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

    public static int RunningCount => Traces.Values.Count(t => t.Running);

    public static void Add(BackgroundTrace trace) => Traces[trace.TraceId] = trace;

    /// <summary>The trace with this id, unless it never existed or its results expired.</summary>
    public static BackgroundTrace? Find(string traceId)
    {
        Sweep();
        return Traces.TryGetValue(traceId, out var t) ? t : null;
    }

    public static IReadOnlyList<BackgroundTrace> All
    {
        get
        {
            Sweep();
            return [.. Traces.Values.OrderBy(t => t.StartedAt)];
        }
    }

    /// <summary>Frees a trace's results now (Remove-Job, or the module's removal).</summary>
    public static void Forget(string traceId)
    {
        if (Traces.TryRemove(traceId, out var trace))
        {
            trace.Stop(wait: true);
            trace.Job.Output.Clear();
            trace.OnForget?.Invoke();
        }
    }

    /// <summary>Stops every trace and frees its results (the module is being removed).</summary>
    public static void StopAll()
    {
        foreach (var id in Traces.Keys)
        {
            Forget(id);
        }
    }

    private static void Sweep()
    {
        var now = DateTimeOffset.Now;
        foreach (var trace in Traces.Values.Where(t => t.ExpiresAt < now))
        {
            Forget(trace.TraceId);
        }
    }
}
