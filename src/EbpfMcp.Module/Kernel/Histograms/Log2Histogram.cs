using EbpfMcp.Model;

namespace EbpfMcp.Kernel.Histograms;

/// <summary>
/// A kernel histogram added up over CPUs, and turned into a <see cref="BpfHistogram"/>: buckets in
/// the unit the kernel counted in, and percentiles estimated from them. Slot 0 holds 0 and 1 (in
/// the unit), slot s ≥ 1 holds [2^s, 2^(s+1) - 1], as in bpf/include/ebpf_mcp_histogram.h.
/// </summary>
internal sealed class Log2Histogram
{
    private readonly ulong[] slots = new ulong[HistogramRecord.Slots];

    public ulong Count { get; private set; }
    public ulong TotalNs { get; private set; }
    public ulong MinNs { get; private set; }
    public ulong MaxNs { get; private set; }

    /// <summary>Adds one CPU's (or a shared) histogram.</summary>
    public unsafe void Add(in HistogramRecord record)
    {
        for (int s = 0; s < HistogramRecord.Slots; s++)
        {
            slots[s] += record.slots[s];
        }
        Count += record.count;
        TotalNs += record.total_ns;
        MaxNs = Math.Max(MaxNs, record.max_ns);
        if (record.min_ns != 0 && (MinNs == 0 || record.min_ns < MinNs))
        {
            MinNs = record.min_ns;
        }
    }

    public static ulong Low(int slot) => slot == 0 ? 0 : 1UL << slot;

    public static ulong High(int slot) => slot == 0 ? 1 : slot == 63 ? ulong.MaxValue : (1UL << (slot + 1)) - 1;

    public BpfHistogram ToModel(string name, HistogramUnit unit, string key, int? processId = null)
    {
        int first = Array.FindIndex(slots, c => c != 0), last = Array.FindLastIndex(slots, c => c != 0);
        var buckets = first < 0 ? [] : Enumerable.Range(first, last - first + 1)
            .Select(s => new BpfHistogramBucket { Low = Low(s), High = High(s), Count = slots[s] }).ToList();
        return new BpfHistogram
        {
            Name = name,
            Unit = unit.Name,
            Key = key,
            ProcessId = processId,
            Buckets = buckets,
            Count = Count,
            Total = Time(TotalNs),
            Min = Time(MinNs),
            P50 = Time(PercentileNs(0.50, unit)),
            P90 = Time(PercentileNs(0.90, unit)),
            P99 = Time(PercentileNs(0.99, unit)),
            Max = Time(MaxNs),
        };
    }

    /// <summary>
    /// The time below which a fraction <paramref name="p"/> of the counted times fall: the bucket
    /// holding that rank, and a linear guess within it. The bucket's ends are narrowed to the exact
    /// minimum and maximum, so a histogram whose times all fall in one bucket is not reported as
    /// that whole bucket's width.
    /// </summary>
    public double PercentileNs(double p, HistogramUnit unit)
    {
        ulong counted = 0;
        foreach (var c in slots)
        {
            counted += c; // the slots, not Count: read while the kernel writes, the two can differ by a few
        }
        if (counted == 0)
        {
            return 0;
        }
        double rank = Math.Max(1, Math.Ceiling(p * counted));
        double before = 0;
        for (int s = 0; s < slots.Length; s++)
        {
            if (slots[s] == 0 || before + slots[s] < rank)
            {
                before += slots[s];
                continue;
            }
            double low = (double)Low(s) * unit.Nanoseconds, high = ((double)High(s) + 1) * unit.Nanoseconds;
            if (MinNs != 0)
            {
                low = Math.Clamp(low, MinNs, Math.Max(MinNs, MaxNs));
            }
            high = Math.Clamp(high, low, Math.Max(low, MaxNs));
            return low + (high - low) * (rank - before) / slots[s];
        }
        return MaxNs;
    }

    private static TimeSpan Time(double ns) => TimeSpan.FromTicks((long)Math.Round(ns / 100));
}
