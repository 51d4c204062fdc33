using System.Management.Automation;
using System.Runtime.InteropServices;
using EbpfMcp.Commands;
using EbpfMcp.Kernel.Histograms;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Kernel.Maps;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;
using EbpfMcp.Native;

namespace EbpfMcp.Tracers;

/// <summary>
/// Measure-BpfRunQueueLatency: how long runnable tasks waited for a CPU (from wakeup, or from being
/// preempted, to running), as a log2 histogram in microseconds for all processes or per process.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "BpfRunQueueLatency")]
[OutputType(typeof(BpfHistogram))]
[BpfTracer("run_queue_latency")]
[BpfHook(1, "tp_btf:sched_{wakeup,wakeup_new,switch,process_exec}", "runq_wakeup_btf", "runq_new_btf", "runq_switch_btf", "runq_exec_btf")]
[BpfHook(2, "raw_tp:sched_{wakeup,wakeup_new,switch,process_exec}", "runq_wakeup_raw", "runq_new_raw", "runq_switch_raw", "runq_exec_raw")]
public sealed class MeasureBpfRunQueueLatencyCommand : BpfTraceCmdlet
{
    private const string HistogramName = "run queue latency";
    private const uint MaxProcesses = 10240;

    /// <summary>One histogram per process (most total waiting first) instead of one for all.</summary>
    [Parameter]
    public SwitchParameter PerProcess { get; set; }

    private protected override TraceRun Start()
    {
        var config = new RunQueueConfig { process = Filter(), per_process = PerProcess ? 1u : 0u };
        uint tables = PerProcess ? MaxProcesses : 1;
        var (kernel, hook) = StartKernel(Bytes(config), new Dictionary<string, uint> { ["latency"] = tables, ["names"] = tables });
        return HistogramMap.Run(MyInvocation.MyCommand.Name, hook, kernel, Read, "run-queue waits",
            $"More than {MaxProcesses} processes or 65536 waiting threads: narrow the trace with -ProcessId or -ProcessName.");
    }

    private static List<object> Read(TracerObject kernel)
    {
        var entries = HistogramMap.Read(kernel, "latency");
        Dictionary<uint, string> names = [];
        if (entries.Any(e => e.KeyUInt32 != 0))
        {
            using var fd = kernel.OpenMap("names");
            var info = KernelObjectInfo.Read<BpfMapInfo>(fd);
            names = MapEntries.Read(fd, info, "names").ToDictionary(e => BitConverter.ToUInt32(e.Key), e => CommNames.Decode(e.Value));
        }
        return [.. entries
            .Select(e => e.KeyUInt32 == 0
                ? e.Histogram.ToModel(HistogramName, HistogramUnit.Microseconds, "")
                : e.Histogram.ToModel(HistogramName, HistogramUnit.Microseconds, $"{names.GetValueOrDefault(e.KeyUInt32, "?")} ({e.KeyUInt32})", (int)e.KeyUInt32))
            .OrderByDescending(h => h.Total)];
    }

    /// <summary>struct run_queue_config of bpf/run_queue_latency.bpf.c.</summary>
    [BtfStruct("run_queue_config")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct RunQueueConfig
    {
        internal ProcessFilterRecord process;
        internal uint per_process;
    }
}
