using System.Management.Automation;
using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Commands;

/// <summary>
/// Base of the Trace-/Measure- cmdlets: the shared parameters (-Duration, -ProcessId, -ProcessName,
/// -ExcludeProcessId, -First, -AsJob), the in-kernel process filter, and running a trace in the
/// foreground (results to the pipeline, progress with counts, Ctrl+C or MCP cancellation stops it)
/// or in the background as a <see cref="BpfTraceJob"/>. Either way the kernel side is detached when
/// the trace ends, and its totals are written to the information stream as a <see cref="BpfTraceSummary"/>.
/// </summary>
public abstract class BpfTraceCmdlet : BpfCmdlet
{
    /// <summary>Longest trace, foreground or background.</summary>
    public const double MaxSeconds = 3600;

    private volatile bool stopping;

    /// <summary>Seconds to trace (default 10, at most 3600).</summary>
    [Parameter]
    [ValidateRange(0.01, MaxSeconds)]
    public double Duration { get; set; } = 10;

    /// <summary>Only these processes (thread group ids), filtered in the kernel.</summary>
    [Parameter]
    [ValidateCount(1, ProcessFilterRecord.MaxPids)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? ProcessId { get; set; }

    /// <summary>Only the process with this name (what ps shows: its main thread's 15-character name), filtered in the kernel.</summary>
    [Parameter]
    [ValidateLength(1, 15)]
    public string? ProcessName { get; set; }

    /// <summary>Leave these processes out, filtered in the kernel (the MCP bridge leaves itself out this way).</summary>
    [Parameter]
    [ValidateCount(1, ProcessFilterRecord.MaxPids)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? ExcludeProcessId { get; set; }

    /// <summary>At most this many results: events (the trace stops after them), groups or rows.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    /// <summary>Run in the background and return a BpfTraceJob at once (Receive-BpfTrace or Receive-Job get the results).</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    /// <summary>Loads and attaches the tracer's kernel side with this call's configuration.</summary>
    private protected abstract TraceRun Start();

    /// <summary>The -GroupBy properties of event tracers; null when results are not grouped.</summary>
    private protected virtual string[]? Grouping => null;

    /// <summary>The process filter of this call, for the tracer's .rodata configuration.</summary>
    private protected ProcessFilterRecord Filter() => ProcessFilterRecord.From(ProcessId, ExcludeProcessId, ProcessName);

    /// <summary>Loads this tracer's object on the best hook that works here (see <see cref="HookChoice"/>).</summary>
    private protected (TracerObject Kernel, string Hook) StartKernel(ReadOnlySpan<byte> configuration, IReadOnlyDictionary<string, uint>? mapSizes = null)
    {
        var tracer = TracerCatalog.Of(GetType());
        return HookChoice.Start(tracer.ObjectName, tracer.Hooks, configuration.ToArray(), mapSizes);
    }

    /// <summary>The bytes of a configuration struct, as the object's .rodata expects them.</summary>
    private protected static ReadOnlySpan<byte> Bytes<T>(in T value) where T : unmanaged =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value));

    private string Name => MyInvocation.MyCommand.Name;

    protected override void StopProcessing() => stopping = true;

    protected override void ProcessRecord()
    {
        if (AsJob && TraceRegistry.RunningCount >= TraceRegistry.MaxRunning)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException($"{TraceRegistry.MaxRunning} background traces are running in this process; stop one (Stop-BpfTrace) first."), "TooManyTraces", ErrorCategory.ResourceBusy, null));
        }
        TraceRun run;
        try
        {
            run = Start();
        }
        catch (BpfException e)
        {
            Terminate(e, null);
            return;
        }
        var collector = new TraceCollector(run, Grouping, First);
        if (AsJob)
        {
            StartInBackground(collector);
            return;
        }
        try
        {
            WriteVerbose($"{Name}: tracing on {run.Hook} for {Duration} s.");
            var progress = new ProgressRecord(1, Name, "tracing");
            var total = TimeSpan.FromSeconds(Duration);
            collector.Collect(total, () => stopping, WriteObject, elapsed =>
            {
                progress.PercentComplete = (int)Math.Min(99, elapsed.TotalMilliseconds * 100 / total.TotalMilliseconds);
                progress.StatusDescription = $"{elapsed.TotalSeconds:F1} of {total.TotalSeconds:F1} s: {collector.Events} events, {collector.Lost()} lost";
                WriteProgress(progress);
            });
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            collector.Lost(); // the last read while the kernel side is there
        }
        finally
        {
            run.Dispose(); // detach and unload, also when the pipeline stops or throws
        }
        foreach (var group in collector.Groups().Take(First))
        {
            WriteObject(group);
        }
        WriteSummary(collector.Summary(null, 0), run);
    }

    private void StartInBackground(TraceCollector collector)
    {
        var trace = new BackgroundTrace(collector, TimeSpan.FromSeconds(Duration), MyInvocation.Line);
        var repository = JobRepository;
        repository.Add(trace.Job);
        trace.OnForget = () =>
        {
            try
            {
                repository.Remove(trace.Job);
            }
            catch (ArgumentException)
            {
                // Already removed (Remove-Job).
            }
        };
        TraceRegistry.Add(trace);
        trace.Start();
        WriteVerbose($"{Name}: tracing on {collector.Run.Hook} in the background until {trace.EndsAt:T}; trace id {trace.TraceId}.");
        WriteObject(trace.Job);
    }

    /// <summary>Writes the totals where hosts look for them, and warns about what the kernel lost.</summary>
    internal static void WriteSummary(Cmdlet cmdlet, BpfTraceSummary summary, TraceRun run)
    {
        if (summary.Lost > 0)
        {
            cmdlet.WriteWarning(run.LostWarning(summary.Lost));
        }
        cmdlet.WriteInformation(summary, [BpfTraceSummary.Tag]);
    }

    private void WriteSummary(BpfTraceSummary summary, TraceRun run) => WriteSummary(this, summary, run);
}
