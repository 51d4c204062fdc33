using EbpfMcp.Kernel.Histograms;
using EbpfMcp.Model;

namespace EbpfMcp.Tests;

/// <summary>
/// How kernel histograms become BpfHistogram objects: per-CPU copies added up, log2 bucket bounds,
/// percentiles within their bucket and never outside the exact minimum and maximum, and the bars.
/// (The tracers' tests check the same against what the kernel counted for known workloads.)
/// </summary>
public sealed class BpfHistogramTests
{
    [Fact]
    public void CpuCopiesAddUpAndBucketsSpanFirstToLastCountedSlot()
    {
        var h = new Log2Histogram();
        h.Add(Record(40, 40_000_000, 1_100_000, 5_000_000, (10, 30), (12, 10)));
        h.Add(Record(20, 20_000_000, 1_030_000, 1_900_000, (10, 20)));
        var model = h.ToModel("test latency", HistogramUnit.Microseconds, "");

        Assert.Equal(60UL, model.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(60), model.Total);
        Assert.Equal((TimeSpan.FromTicks(10_300), TimeSpan.FromMilliseconds(5)), (model.Min, model.Max));
        // Slots 10 to 12: [1024, 2047] µs, the empty [2048, 4095], and [4096, 8191].
        Assert.Equal([(1024UL, 2047UL, 50UL), (2048UL, 4095UL, 0UL), (4096UL, 8191UL, 10UL)], model.Buckets.Select(b => (b.Low, b.High, b.Count)));
    }

    [Fact]
    public void PercentilesFallInTheirBucketWithinTheExactMinimumAndMaximum()
    {
        var h = new Log2Histogram();
        h.Add(Record(100, 1, 1_500_000, 4_500_000, (10, 50), (12, 50)));
        var model = h.ToModel("test latency", HistogramUnit.Microseconds, "");

        // The median is the 50th time, the last in slot 10: that bucket ends at 2048 µs, its lowest is the minimum.
        Assert.InRange(model.P50, TimeSpan.FromMilliseconds(1.5), TimeSpan.FromMicroseconds(2048));
        // The 90th and 99th are in slot 12, which starts at 4096 µs and cannot go past the maximum.
        Assert.InRange(model.P90, TimeSpan.FromMicroseconds(4096), TimeSpan.FromMilliseconds(4.5));
        Assert.InRange(model.P99, model.P90, TimeSpan.FromMilliseconds(4.5));

        // Everything in one bucket: the estimate stays between the exact minimum and maximum.
        var one = new Log2Histogram();
        one.Add(Record(200, 200 * 5_100_000UL, 5_050_000, 5_300_000, (22, 200)));
        var sleeps = one.ToModel("test latency", HistogramUnit.Nanosecond, "nanosleep");
        Assert.InRange(sleeps.P50, TimeSpan.FromTicks(50_500), TimeSpan.FromTicks(53_000));
        Assert.Equal(TimeSpan.FromTicks(53_000), sleeps.Max);
    }

    [Fact]
    public void SlotZeroHoldsZeroAndOneAndTheLastSlotReachesTheLargestValue()
    {
        Assert.Equal((0UL, 1UL), (Log2Histogram.Low(0), Log2Histogram.High(0)));
        Assert.Equal((2UL, 3UL), (Log2Histogram.Low(1), Log2Histogram.High(1)));
        Assert.Equal((1UL << 63, ulong.MaxValue), (Log2Histogram.Low(63), Log2Histogram.High(63)));
        var empty = new Log2Histogram().ToModel("test latency", HistogramUnit.Nanosecond, "");
        Assert.Equal((0UL, 0, TimeSpan.Zero), (empty.Count, empty.Buckets.Count, empty.P99));
        Assert.Equal("test latency: 0 counted, P50 0 ns, P90 0 ns, P99 0 ns, max 0 ns, total 0 ns", empty.ToString());
    }

    [Fact]
    public void BarsAreProportionalToTheCountsAndTheFullestFillsForty()
    {
        var h = new Log2Histogram();
        h.Add(Record(51, 1, 8_000, 70_000, (3, 40), (4, 10), (6, 1)));
        var lines = h.ToModel("test latency", HistogramUnit.Microseconds, "sda").ToString().Split('\n');

        Assert.StartsWith("test latency, sda: 51 counted, P50 ", lines[0]);
        Assert.Matches(@"^\s+usecs\s+: count\s+distribution$", lines[1]);
        Assert.Equal(["8 -> 15", "16 -> 31", "32 -> 63", "64 -> 127"], lines[2..].Select(l => string.Join(' ', l.Split(':')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries))));
        Assert.Equal([40, 10, 0, 1], lines[2..].Select(l => l.Count(c => c == '*')));
        Assert.All(lines[2..], l => Assert.Equal(42, l[l.IndexOf('|')..].Length)); // |40 columns|
    }

    [Fact]
    public void DurationsAreWrittenInTheUnitPeopleRead()
    {
        Assert.Equal("800 ns", BpfHistogram.FormatDuration(TimeSpan.FromTicks(8)));
        Assert.Equal("12.5 µs", BpfHistogram.FormatDuration(TimeSpan.FromTicks(125)));
        Assert.Equal("5.08 ms", BpfHistogram.FormatDuration(TimeSpan.FromTicks(50_800)));
        Assert.Equal("2.31 s", BpfHistogram.FormatDuration(TimeSpan.FromMilliseconds(2310)));
    }

    /// <summary>A kernel histogram as BPF writes it: exact count, total, min, max, and the (slot, count) pairs.</summary>
    private static unsafe HistogramRecord Record(ulong count, ulong totalNs, ulong minNs, ulong maxNs, params (int Slot, ulong Count)[] slots)
    {
        var r = new HistogramRecord { count = count, total_ns = totalNs, min_ns = minNs, max_ns = maxNs };
        foreach (var (slot, n) in slots)
        {
            r.slots[slot] = n;
        }
        return r;
    }
}
