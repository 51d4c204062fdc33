using System.Management.Automation;
using System.Runtime.InteropServices;
using EbpfMcp.Commands;
using EbpfMcp.Kernel.Histograms;
using EbpfMcp.Kernel.Host;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Model;

namespace EbpfMcp.Tracers;

/// <summary>
/// Measure-BpfBlockIoLatency: how long block I/O requests took from issue to completion (with
/// -Queued, from insertion into the I/O scheduler), as a log2 histogram in microseconds for all
/// disks or per disk.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "BpfBlockIoLatency")]
[OutputType(typeof(BpfHistogram))]
[BpfTracer("block_io_latency")]
[BpfHook(1, "tp_btf:block_rq_{insert,issue,complete}", "biolat_insert_btf", "biolat_issue_btf", "biolat_done_btf")]
[BpfHook(2, "raw_tp:block_rq_{insert,issue,complete}", "biolat_insert_raw", "biolat_issue_raw", "biolat_done_raw")]
[BpfHook(3, "tracepoint:block:block_rq_{insert,issue,complete}", "biolat_insert_tp", "biolat_issue_tp", "biolat_done_tp")]
public sealed class MeasureBpfBlockIoLatencyCommand : BpfTraceCmdlet
{
    /// <summary>One histogram per disk (most total time first) instead of one for all.</summary>
    [Parameter]
    public SwitchParameter PerDisk { get; set; }

    /// <summary>Count from when a request entered the I/O scheduler's queue, not from when it was issued to the device.</summary>
    [Parameter]
    public SwitchParameter Queued { get; set; }

    private protected override TraceRun Start()
    {
        var config = new BlockIoConfig { process = Filter(), per_disk = PerDisk ? 1u : 0u, queued = Queued ? 1u : 0u };
        var (kernel, hook) = StartKernel(Bytes(config));
        var name = Queued ? "block I/O latency (queued)" : "block I/O latency";
        return HistogramMap.Run(MyInvocation.MyCommand.Name, hook, kernel, k => Read(k, name), "block I/O requests",
            "More than 65536 requests were in flight at once.");
    }

    private List<object> Read(TracerObject kernel, string name) =>
        [.. HistogramMap.Read(kernel, "latency")
            .Select(e => e.Histogram.ToModel(name, HistogramUnit.Microseconds, PerDisk ? Disk(e.KeyUInt32) : ""))
            .OrderByDescending(h => h.Total)];

    private static string Disk(uint dev)
    {
        var (major, minor) = BlockDevices.FromKernelDev(dev);
        return dev == 0 ? "(no disk)" : BlockDevices.Name(major, minor);
    }

    /// <summary>struct block_io_config of bpf/block_io_latency.bpf.c.</summary>
    [BtfStruct("block_io_config")]
    [StructLayout(LayoutKind.Sequential)]
    internal struct BlockIoConfig
    {
        internal ProcessFilterRecord process;
        internal uint per_disk;
        internal uint queued;
    }
}
