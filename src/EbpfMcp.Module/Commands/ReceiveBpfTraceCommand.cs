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
public sealed class ReceiveBpfTraceCommand : BpfTraceResultsCmdlet
{
    /// <summary>Count the buffered events by these properties (a trace started with -GroupBy counts every event).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? GroupBy { get; set; }

    protected override void ProcessRecord()
    {
        if (BpfTraceLookup.Find(this, TraceId) is { } trace)
        {
            WriteResults(trace, GroupBy);
        }
    }
}
