namespace EbpfMcp.Kernel.Histograms;

/// <summary>What a histogram's slots count: the name tools print ("usecs") and its length in nanoseconds.</summary>
internal sealed record HistogramUnit(string Name, ulong Nanoseconds)
{
    public static readonly HistogramUnit Microseconds = new("usecs", 1000);
    public static readonly HistogramUnit Nanosecond = new("nsecs", 1);
}
