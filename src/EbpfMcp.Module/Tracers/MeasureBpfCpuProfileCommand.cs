using System.Management.Automation;
using EbpfMcp.Commands;
using EbpfMcp.Kernel.Profiling;
using EbpfMcp.Kernel.Profiling.Output;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Tracers;

/// <summary>
/// Measure-BpfCpuProfile: what is using the CPU, by process and stack. A cpu-clock perf event per
/// CPU samples the running task; stacks are counted in the kernel; the result is symbolized in the
/// module (kallsyms, ELF symbol tables, JIT perf maps) and can be written as a flame graph, folded
/// stacks or pprof.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "BpfCpuProfile")]
[OutputType(typeof(BpfStackSample))]
[BpfTracer(CpuProfiler.ObjectName)]
[BpfHook(1, "perf_event:cpu-clock", "cpu_sample")]
public sealed class MeasureBpfCpuProfileCommand : BpfTraceCmdlet
{
    /// <summary>Samples per second on each CPU (default 49: off the beat of 50/100 Hz timers).</summary>
    [Parameter]
    [ValidateRange(1, 10_000)]
    public int Frequency { get; set; } = 49;

    /// <summary>Which stacks to sample: User, Kernel or Both.</summary>
    [Parameter]
    [ValidateSet("User", "Kernel", "Both")]
    public string Space { get; set; } = "Both";

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
            Frequency = Frequency,
            ProcessIds = ProcessId ?? [],
            ExcludedProcessIds = ExcludeProcessId ?? [],
            ProcessName = ProcessName,
            Space = Enum.Parse<StackSpace>(Space, ignoreCase: true),
        };
        return new ProfileTraceRun(MyInvocation.MyCommand.Name, CpuProfiler.Start(request), outFile);
    }
}

/// <summary>Checks -OutFile before a profile starts: a name the writers know, in a directory that exists.</summary>
internal static class ProfileOutFile
{
    public static string? Resolve(PSCmdlet cmdlet, string? outFile)
    {
        if (outFile is null)
        {
            return null;
        }
        var path = cmdlet.GetUnresolvedProviderPathFromPSPath(outFile);
        if (!ProfileFiles.IsSupported(path))
        {
            throw new BpfException("UnsupportedOutFile", $"'{outFile}': the profile can be written as .svg (flame graph), .folded (collapsed stacks) or .pb.gz (pprof).", 22);
        }
        if (Path.GetDirectoryName(path) is { } directory && !Directory.Exists(directory))
        {
            throw new BpfException("OutFileDirectoryNotFound", $"'{outFile}': the directory {directory} does not exist.", 2);
        }
        return path;
    }
}
