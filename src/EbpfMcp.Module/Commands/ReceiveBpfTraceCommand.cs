using System.Management.Automation;
using EbpfMcp.Model;

namespace EbpfMcp.Commands;

/// <summary>
/// Receive-BpfTrace: the results a background trace has gathered so far, from any runspace (and,
/// through the MCP bridge, from any connection): its events (taken out of its buffer, unless -Keep),
/// its groups, or an aggregating tracer's rows so far; then its totals as a BpfTraceSummary on the
/// information stream.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "BpfTrace")]
[OutputType(typeof(BpfTraceEvent), typeof(BpfEventGroup))]
public sealed class ReceiveBpfTraceCommand : PSCmdlet
{
    /// <summary>The trace's id (TraceId of the BpfTraceJob that -AsJob returned).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TraceId { get; set; } = "";

    /// <summary>At most this many results.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    /// <summary>Count the buffered events by these properties (a trace started with -GroupBy counts every event).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? GroupBy { get; set; }

    /// <summary>Leave the events in the trace's buffer, so the next Receive gets them again.</summary>
    [Parameter]
    public SwitchParameter Keep { get; set; }

    protected override void ProcessRecord()
    {
        if (BpfTraceLookup.Find(this, TraceId) is not { } trace)
        {
            return;
        }
        try
        {
            WriteObject(BpfTraceLookup.Results(trace, First, GroupBy, Keep, WriteWarning), enumerateCollection: true);
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidGroupBy", ErrorCategory.InvalidArgument, GroupBy));
        }
        WriteInformation(trace.Summary(), [BpfTraceSummary.Tag]);
    }
}
