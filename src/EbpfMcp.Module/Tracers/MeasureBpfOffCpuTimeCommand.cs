using System.Management.Automation;
using EbpfMcp.Commands;
using EbpfMcp.Kernel.Profiling;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Tracers;

/// <summary>
/// Measure-BpfOffCpuTime: why processes wait, by stack: at every context switch the stacks of the
/// task leaving the CPU are kept, and the time until it runs again is added to them in the kernel.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "BpfOffCpuTime")]
[OutputType(typeof(BpfStackSample))]
[BpfTracer(OffCpuProfiler.ObjectName)]
[BpfHook(1, "tp_btf:sched_switch", "off_cpu_btf")]
[BpfHook(2, "raw_tp:sched_switch", "off_cpu_raw")]
public sealed class MeasureBpfOffCpuTimeCommand : BpfTraceCmdlet
{
    /// <summary>Leave out blocks shorter than this many milliseconds (default 0: all).</summary>
    [Parameter]
    [ValidateRange(0.0, 3_600_000.0)]
    public double MinBlock { get; set; }

    /// <summary>Which stacks to keep: User, Kernel or Both.</summary>
    [Parameter]
    [ValidateSet("User", "Kernel", "Both")]
    public string Space { get; set; } = "Both";

    /// <summary>Also count time tasks that were preempted (still runnable) waited for a CPU.</summary>
    [Parameter]
    public SwitchParameter IncludePreempted { get; set; }

    /// <summary>Also write the profile to this file: .svg (flame graph), .folded (collapsed stacks) or .pb.gz (pprof).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutFile { get; set; }

    private protected override TraceRun Start()
    {
        var outFile = ProfileOutFile.Resolve(this, OutFile);
        var request = new ProfileRequest
        {
            Duration = TimeSpan.FromSeconds(Duration),
            ProcessIds = ProcessId ?? [],
            ExcludedProcessIds = ExcludeProcessId ?? [],
            ProcessName = ProcessName,
            Space = Enum.Parse<StackSpace>(Space, ignoreCase: true),
            MinBlock = TimeSpan.FromMilliseconds(MinBlock),
            IncludePreempted = IncludePreempted,
        };
        return new ProfileTraceRun(MyInvocation.MyCommand.Name, OffCpuProfiler.Start(request), outFile);
    }
}
