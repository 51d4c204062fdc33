using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Tracing;

namespace EbpfMcp.Kernel.Histograms;

/// <summary>struct histogram (bpf/include/ebpf_mcp_histogram.h): log2 slots and exact count, total, min and max in ns.</summary>
[BtfStruct("histogram")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HistogramRecord
{
    public const int Slots = 64;

    public fixed ulong slots[Slots];
    public ulong count;
    public ulong total_ns;
    public ulong min_ns;
    public ulong max_ns;
}
