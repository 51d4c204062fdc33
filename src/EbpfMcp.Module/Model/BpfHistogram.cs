using System.Globalization;
using System.Text;

namespace EbpfMcp.Model;

/// <summary>
/// A latency distribution the kernel counted in log2 buckets (run-queue waits, block I/O, system
/// calls): the buckets, how many times were counted, their total, smallest and largest (exact),
/// and percentiles estimated from the buckets. ToString() draws the bars the way runqlat and
/// biolatency do; the format view and MCP text use that drawing, structured output the numbers.
/// </summary>
public sealed class BpfHistogram
{
    private const int BarWidth = 40;

    /// <summary>What was measured: "run queue latency", "block I/O latency", "syscall latency".</summary>
    public string Name { get; internal init; } = "";

    /// <summary>The unit of the buckets' Low and High: "usecs" or "nsecs".</summary>
    public string Unit { get; internal init; } = "";

    /// <summary>Whose distribution: a process ("nginx (1234)"), a disk ("sda"), a system call ("read"); empty for everything together.</summary>
    public string Key { get; internal init; } = "";

    /// <summary>The process of a per-process histogram; null otherwise.</summary>
    public int? ProcessId { get; internal init; }

    /// <summary>The log2 buckets from the first to the last that counted something (empty ones between them included).</summary>
    public IReadOnlyList<BpfHistogramBucket> Buckets { get; internal init; } = [];

    /// <summary>How many times were counted.</summary>
    public ulong Count { get; internal init; }

    /// <summary>All counted times added up (exact).</summary>
    public TimeSpan Total { get; internal init; }

    /// <summary>The shortest time (exact).</summary>
    public TimeSpan Min { get; internal init; }

    /// <summary>Median, estimated within its log2 bucket (and never outside Min..Max).</summary>
    public TimeSpan P50 { get; internal init; }

    public TimeSpan P90 { get; internal init; }

    public TimeSpan P99 { get; internal init; }

    /// <summary>The longest time (exact).</summary>
    public TimeSpan Max { get; internal init; }

    /// <summary>The histogram as text: a summary line, then one line per bucket with its bar, like bcc's tools.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        var title = Key.Length > 0 ? $"{Name}, {Key}" : Name;
        text.Append(CultureInfo.InvariantCulture, $"{title}: {Count} counted, P50 {FormatDuration(P50)}, P90 {FormatDuration(P90)}, P99 {FormatDuration(P99)}, max {FormatDuration(Max)}, total {FormatDuration(Total)}");
        if (Buckets.Count == 0)
        {
            return text.ToString();
        }
        int width = Math.Max(Unit.Length + 5, Buckets[^1].High.ToString(CultureInfo.InvariantCulture).Length);
        ulong most = Buckets.Max(b => b.Count);
        int countWidth = Math.Max(8, most.ToString(CultureInfo.InvariantCulture).Length);
        text.AppendLine();
        text.Append(Unit.PadLeft(width)).Append(new string(' ', width + 4)).Append(" : ").Append("count".PadRight(countWidth)).Append(" distribution");
        foreach (var b in Buckets)
        {
            int stars = most == 0 ? 0 : (int)Math.Round((double)b.Count * BarWidth / most);
            text.AppendLine();
            text.Append(b.Low.ToString(CultureInfo.InvariantCulture).PadLeft(width)).Append(" -> ").Append(b.High.ToString(CultureInfo.InvariantCulture).PadRight(width))
                .Append(" : ").Append(b.Count.ToString(CultureInfo.InvariantCulture).PadRight(countWidth))
                .Append(" |").Append(new string('*', stars)).Append(new string(' ', BarWidth - stars)).Append('|');
        }
        return text.ToString();
    }

    /// <summary>A time as people read it: "850 ns", "12.5 µs", "5.08 ms", "2.31 s" (used by the format views too).</summary>
    public static string FormatDuration(TimeSpan time)
    {
        double ns = time.Ticks * 100.0;
        return ns switch
        {
            < 1e3 => string.Create(CultureInfo.InvariantCulture, $"{ns:0} ns"),
            < 1e6 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e3:0.##} µs"),
            < 1e9 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e6:0.##} ms"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e9:0.##} s"),
        };
    }
}

/// <summary>One log2 bucket of a <see cref="BpfHistogram"/>: the times from Low to High (inclusive, in the histogram's Unit) and how many fell there.</summary>
public sealed class BpfHistogramBucket
{
    public ulong Low { get; internal init; }
    public ulong High { get; internal init; }
    public ulong Count { get; internal init; }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Low} -> {High}: {Count}");
}
