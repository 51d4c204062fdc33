using System.Management.Automation;
using EbpfMcp.Model;

namespace EbpfMcp.Commands;

/// <summary>
/// Stop-BpfTrace: ends a background trace now (its programs are detached) and returns its final
/// results, as Receive-BpfTrace would. A trace that already ended just returns them.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "BpfTrace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BpfTraceEvent), typeof(BpfEventGroup))]
public sealed class StopBpfTraceCommand : PSCmdlet
{
    /// <summary>The trace's id.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TraceId { get; set; } = "";

    /// <summary>At most this many results.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    /// <summary>Leave the events in the trace's buffer.</summary>
    [Parameter]
    public SwitchParameter Keep { get; set; }

    protected override void ProcessRecord()
    {
        if (BpfTraceLookup.Find(this, TraceId) is not { } trace || !ShouldProcess($"{trace.TraceId} ({trace.Tracer})", "Stop the trace"))
        {
            return;
        }
        trace.Stop(wait: true);
        WriteObject(BpfTraceLookup.Results(trace, First, null, Keep, WriteWarning), enumerateCollection: true);
        WriteInformation(trace.Summary(), [BpfTraceSummary.Tag]);
    }
}
