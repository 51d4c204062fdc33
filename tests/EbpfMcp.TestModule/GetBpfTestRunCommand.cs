using System.Management.Automation;

namespace EbpfMcp.TestModule;

/// <summary>
/// Takes -Milliseconds, then returns how many times this command has run in this process (itself
/// included): how tests see whether identical calls ran once or once each.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BpfTestRun")]
[OutputType(typeof(int))]
public sealed class GetBpfTestRunCommand : PSCmdlet
{
    private static int runs;

    [Parameter]
    [ValidateRange(0, 10_000)]
    public int Milliseconds { get; set; }

    [Parameter]
    public string Label { get; set; } = "";

    protected override void ProcessRecord()
    {
        int run = Interlocked.Increment(ref runs);
        Thread.Sleep(Milliseconds);
        WriteObject(run);
    }
}
