using System.Diagnostics;
using System.Management.Automation;

namespace EbpfMcp.TestModule;

/// <summary>
/// Waits, reporting progress, until the time is up or the pipeline is stopped; with -IgnoreStop it
/// keeps waiting when stopped (a command stuck in a call that cannot be interrupted).
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "BpfTestWait")]
[OutputType(typeof(long))]
public sealed class MeasureBpfTestWaitCommand : PSCmdlet
{
    private volatile bool stopped;

    [Parameter(Mandatory = true)]
    [ValidateRange(1, 60)]
    public int Seconds { get; set; }

    [Parameter]
    public SwitchParameter IgnoreStop { get; set; }

    protected override void ProcessRecord()
    {
        var clock = Stopwatch.StartNew();
        while ((IgnoreStop || !stopped) && clock.Elapsed < TimeSpan.FromSeconds(Seconds))
        {
            Thread.Sleep(50);
            if (stopped)
            {
                continue; // writing now would end the pipeline: stay stuck instead
            }
            WriteProgress(new ProgressRecord(1, "Waiting", $"{clock.Elapsed.TotalSeconds:F1} s") { PercentComplete = (int)Math.Min(99, clock.Elapsed.TotalSeconds * 100 / Seconds) });
        }
        WriteObject(clock.ElapsedMilliseconds);
    }

    protected override void StopProcessing() => stopped = true;
}
