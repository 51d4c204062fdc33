using System.Management.Automation;
using EbpfMcp.Model;

namespace EbpfMcp.Commands;

/// <summary>
/// Base of Receive-BpfTrace and Stop-BpfTrace: a background trace named by -TraceId, whose results
/// are written (at most -First; events leave its buffer unless -Keep) followed by its totals.
/// </summary>
public abstract class BpfTraceResultsCmdlet : PSCmdlet
{
    /// <summary>The trace's id (TraceId of the BpfTraceJob that -AsJob returned; Get-BpfTrace lists them).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string TraceId { get; set; } = "";

    /// <summary>At most this many results.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int First { get; set; } = int.MaxValue;

    /// <summary>Leave the events in the trace's buffer, so the next Receive gets them again.</summary>
    [Parameter]
    public SwitchParameter Keep { get; set; }

    /// <summary>Writes the trace's results (see <see cref="BpfTraceLookup.Results"/>) and its totals.</summary>
    private protected void WriteResults(Kernel.Tracing.BackgroundTrace trace, string[]? groupBy)
    {
        try
        {
            WriteObject(BpfTraceLookup.Results(trace, First, groupBy, Keep, WriteWarning), enumerateCollection: true);
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidGroupBy", ErrorCategory.InvalidArgument, groupBy));
        }
        WriteInformation(trace.Summary(), [BpfTraceSummary.Tag]);
    }
}
