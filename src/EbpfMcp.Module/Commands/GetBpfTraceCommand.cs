using System.Management.Automation;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Commands;

/// <summary>Get-BpfTrace: the background traces of this process (running, and ended ones whose results are kept).</summary>
[Cmdlet(VerbsCommon.Get, "BpfTrace")]
[OutputType(typeof(BpfTraceJob))]
public sealed class GetBpfTraceCommand : PSCmdlet
{
    /// <summary>Only these traces; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? TraceId { get; set; }

    /// <summary>Only traces in this state.</summary>
    [Parameter]
    [ValidateSet("Running", "Completed", "Stopped", "Failed")]
    public string? State { get; set; }

    protected override void ProcessRecord()
    {
        var patterns = TraceId?.Select(p => new WildcardPattern(p, WildcardOptions.None)).ToArray();
        foreach (var trace in TraceRegistry.All)
        {
            if (patterns is not null && !patterns.Any(p => p.IsMatch(trace.TraceId)))
            {
                continue;
            }
            if (State is not null && !string.Equals(trace.Job.JobStateInfo.State.ToString(), State, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            WriteObject(trace.Job);
        }
        foreach (var missing in (TraceId ?? []).Where(id => !WildcardPattern.ContainsWildcardCharacters(id) && TraceRegistry.Find(id) is null))
        {
            BpfTraceLookup.Find(this, missing);
        }
    }
}
