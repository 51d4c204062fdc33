using System.Management.Automation;
using EbpfMcp.Model;

namespace EbpfMcp.Commands;

/// <summary>
/// Stop-BpfTrace: ends a background trace now (its programs are detached) and returns its final
/// results, as Receive-BpfTrace would. A trace that already ended just returns them.
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "BpfTrace", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BpfTraceEvent), typeof(BpfEventGroup))]
public sealed class StopBpfTraceCommand : BpfTraceResultsCmdlet
{
    protected override void ProcessRecord()
    {
        if (BpfTraceLookup.Find(this, TraceId) is { } trace && ShouldProcess($"{trace.TraceId} ({trace.Tracer})", "Stop the trace"))
        {
            trace.Stop(wait: true);
            WriteResults(trace, null);
        }
    }
}
