using System.Management.Automation;
using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp.Model;

/// <summary>
/// A trace running in the background (-AsJob): a real PowerShell job (Get-Job, Receive-Job,
/// Wait-Job, Stop-Job and Remove-Job work on it) with a TraceId that Get-/Receive-/Stop-BpfTrace
/// take from any runspace of the process, and MCP clients from any connection. It stops at its
/// duration; its results stay receivable for a while after (see ExpiresAt), then are freed.
/// </summary>
public sealed class BpfTraceJob : Job
{
    private readonly BackgroundTrace trace;

    internal BpfTraceJob(string command, BackgroundTrace trace)
        : base(command, trace.TraceId)
    {
        this.trace = trace;
        PSJobTypeName = "BpfTraceJob";
    }

    internal BackgroundTrace Trace => trace;

    /// <summary>Random, 128 bits, URL-safe: the handle Receive-BpfTrace and Stop-BpfTrace take.</summary>
    public string TraceId => trace.TraceId;

    /// <summary>Running, Completed (its duration is over), Stopped or Failed.</summary>
    public JobState State => JobStateInfo.State;

    /// <summary>The command that runs ("Trace-BpfFileOpen").</summary>
    public string Tracer => trace.Tracer;

    /// <summary>The kernel hook it runs on.</summary>
    public string Hook => trace.Hook;

    public DateTimeOffset StartedAt => trace.StartedAt;

    /// <summary>When it stops by itself (its -Duration).</summary>
    public DateTimeOffset EndsAt => trace.EndsAt;

    /// <summary>When it stopped; null while it runs.</summary>
    public DateTimeOffset? EndedAt => trace.EndedAt;

    /// <summary>When its results are freed (a while after it ended); null while it runs.</summary>
    public DateTimeOffset? ExpiresAt => trace.ExpiresAt;

    /// <summary>Events (or rows) seen so far, including those not kept.</summary>
    public long EventCount => trace.Collector.Events;

    /// <summary>Events its buffer had no room for (counted in its groups all the same).</summary>
    public long DroppedCount => trace.Dropped;

    /// <summary>Events the kernel could not hand over (ring buffer full).</summary>
    public long LostCount => trace.Lost;

    /// <summary>The -GroupBy properties it counts by; empty when it keeps events.</summary>
    public string[] GroupBy => [.. trace.Collector.Grouper?.Properties ?? []];

    public override string StatusMessage => $"{EventCount} events, {DroppedCount} dropped, {LostCount} lost";

    public override bool HasMoreData => Output.Count > 0;

    public override string Location => Environment.MachineName;

    public override void StopJob() => trace.Stop(wait: true);

    internal void MarkState(JobState state, Exception? reason = null)
    {
        if (reason is not null)
        {
            Error.Add(new ErrorRecord(reason, "TraceFailed", ErrorCategory.NotSpecified, TraceId));
        }
        SetJobState(state);
    }

    /// <summary>Remove-Job: the trace stops (if it still runs) and its results are freed.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            TraceRegistry.Forget(TraceId);
        }
        base.Dispose(disposing);
    }

    public override string ToString() => $"{TraceId} {Tracer} {JobStateInfo.State}";
}
