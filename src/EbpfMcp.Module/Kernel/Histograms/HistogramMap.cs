using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EbpfMcp.Kernel.Inventory;
using EbpfMcp.Kernel.Maps;
using EbpfMcp.Kernel.Tracing;
using EbpfMcp.Native;

namespace EbpfMcp.Kernel.Histograms;

/// <summary>
/// Reads a tracer's map of histograms (values that start with struct histogram, shared or per-CPU)
/// into <see cref="Log2Histogram"/>s added up over CPUs, and makes the trace run that reads them
/// when the trace ends or a background trace is received.
/// </summary>
internal static class HistogramMap
{
    /// <summary>One key of the map with something counted; fields after the histogram stay readable.</summary>
    public sealed class Entry(byte[] key, Log2Histogram histogram, byte[] value, int stride, int cpus)
    {
        public byte[] Key { get; } = key;
        public Log2Histogram Histogram { get; } = histogram;

        public uint KeyUInt32 => BinaryPrimitives.ReadUInt32LittleEndian(Key);

        /// <summary>A 64-bit counter at <paramref name="offset"/> of the value, added up over CPUs.</summary>
        public ulong Sum(int offset)
        {
            ulong total = 0;
            for (int cpu = 0; cpu < cpus; cpu++)
            {
                total += BinaryPrimitives.ReadUInt64LittleEndian(value.AsSpan(cpu * stride + offset));
            }
            return total;
        }
    }

    /// <summary>The entries of <paramref name="mapName"/> that counted something.</summary>
    public static List<Entry> Read(TracerObject kernel, string mapName)
    {
        using var fd = kernel.OpenMap(mapName);
        var info = KernelObjectInfo.Read<BpfMapInfo>(fd);
        MapEntries.ValueBufferSize(info, out int stride, out int cpus);
        var entries = new List<Entry>();
        foreach (var (key, value) in MapEntries.Read(fd, info, mapName))
        {
            var histogram = new Log2Histogram();
            for (int cpu = 0; cpu < cpus; cpu++)
            {
                histogram.Add(MemoryMarshal.Read<HistogramRecord>(value.AsSpan(cpu * stride)));
            }
            if (histogram.Count > 0)
            {
                entries.Add(new Entry(key, histogram, value, stride, cpus));
            }
        }
        return entries;
    }

    /// <summary>
    /// The run of a histogram tracer: <paramref name="read"/> turns the maps into results; times the
    /// kernel could not record (a full table, counted in the object's "uncounted" map) are reported.
    /// </summary>
    public static TraceRun Run(string tracer, string hook, TracerObject kernel, Func<TracerObject, IReadOnlyList<object>> read, string what, string remedy) =>
        new AggregateTraceRun(tracer, hook, kernel, read, k => (long)k.PerCpuCounter("uncounted"),
            uncounted => $"{uncounted} {what} could not be measured: the kernel had no room left to keep them. {remedy}");
}
